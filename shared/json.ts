/** Defensive readers for JSON parsed from bodies and stream events, where any field may be missing or wrong. */
import type { Json, JsonObject } from './types.ts'

export type Obj = Record<string, unknown>

/** A plain object, else null. */
export function asObject(value: unknown): Obj | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : null
}

/** The same test for values already typed as JSON (a request body), keeping their type. */
export function jsonObject(value: Json | undefined): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null
}

/** A non-empty string, else null. */
export function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

/** A token count: a finite non-negative number, else null (never a made-up 0). */
export function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null
}

/** A position (choice, content block, output item): a non-negative integer, else null. */
export function asIndex(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null
}
