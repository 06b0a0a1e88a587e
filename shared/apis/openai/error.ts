import type { UpstreamError } from '../types.ts'
import { asObject } from '../../json.ts'

/** What is known of an upstream failure whose body says nothing readable: its status. */
export function bareUpstreamError(status: number): UpstreamError {
  return { message: `upstream returned HTTP ${status}`, type: 'upstream_error', code: null }
}

/** The upstream's own message, type and code, from an OpenAI-format error body (`{"error":{…}}`). */
export function errorFromOpenAIBody(body: unknown, status: number): UpstreamError {
  const error = asObject(asObject(body)?.error)
  const bare = bareUpstreamError(status)
  return {
    message: typeof error?.message === 'string' ? error.message : bare.message,
    type: typeof error?.type === 'string' ? error.type : bare.type,
    // Some hosts send numeric codes.
    code: typeof error?.code === 'string' ? error.code : typeof error?.code === 'number' ? String(error.code) : null,
  }
}
