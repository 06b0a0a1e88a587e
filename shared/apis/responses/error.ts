/** Reads a failure reported inside a Responses stream, after the upstream already answered 200. */
import type { UpstreamError } from '../types.ts'
import { asObject, str } from '../../json.ts'

/** Error codes are strings in OpenAI's format; some compatible hosts send numbers. */
function code(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : str(value)
}

/**
 * The error carried by an `error` event or a `response.failed` event, else null. The event's type is
 * read from its data, else from its SSE `event:` name.
 *
 * The `error` event is documented flat (`{type:'error', code, message, param}`) but OpenAI sends it
 * nested (`{type:'error', error:{type, code, message, param}}`), so each field is read from either.
 */
export function errorFromResponsesEvent(data: unknown, eventName: string | null = null): UpstreamError | null {
  const event = asObject(data)
  const type = str(event?.type) ?? eventName
  if (type === 'error') {
    const nested = asObject(event?.error)
    return {
      message: str(event?.message) ?? str(nested?.message) ?? 'The upstream reported an error in the stream without a message.',
      type: str(nested?.type),
      code: code(event?.code) ?? code(nested?.code),
    }
  }
  if (type === 'response.failed') {
    const response = asObject(event?.response)
    const error = asObject(response?.error)
    const id = str(response?.id) ?? 'unknown'
    return {
      message: str(error?.message) ?? `Response ${id} failed without error details.`,
      type: null,
      code: code(error?.code),
    }
  }
  return null
}
