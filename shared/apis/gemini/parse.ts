/** Defensive readers for Gemini JSON, which arrives as `unknown`. */
import type { JsonObject } from '../../types.ts'

export type Obj = Record<string, unknown>

export function asObject(value: unknown): Obj | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : null
}

/** A non-empty string, else null. */
export function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

/** A token count: a finite non-negative number, else null (never a made-up 0). */
export function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null
}

export function asIndex(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback
}

/**
 * A request field under either spelling: Google's JSON mapping accepts `systemInstruction` and
 * `system_instruction` alike, and the REST docs' curl examples use snake_case.
 */
export function field(obj: Obj | null, camel: string, snake: string): unknown {
  if (!obj) return undefined
  return obj[camel] !== undefined ? obj[camel] : obj[snake]
}

/** An object that came from JSON.parse, typed as JSON. */
export function asJsonObject(value: unknown): JsonObject | null {
  return asObject(value) as JsonObject | null
}
