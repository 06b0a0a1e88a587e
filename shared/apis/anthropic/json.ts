/** Defensive readers for JSON parsed from Anthropic bodies and stream events (any field may be missing). */
import type { Json, JsonObject } from '../../types.ts'

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

/** A content block index: a non-negative integer, else null. */
export function blockIndex(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null
}

/** The same test for values already typed as JSON (a request body), keeping their type. */
export function jsonObject(value: Json | undefined): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null
}
