/** Gemini-specific readers: both spellings of a field, and parsed JSON typed as JSON. */
import { asObject, type Obj } from '../../json.ts'
import type { JsonObject } from '../../types.ts'

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
