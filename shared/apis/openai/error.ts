import type { UpstreamError } from '../types.ts'
import { asObject } from '../../json.ts'

/** The upstream's own message, type and code, from an OpenAI-format error body (`{"error":{…}}`). */
export function errorFromOpenAIBody(body: unknown, status: number): UpstreamError {
  const error = asObject(asObject(body)?.error)
  return {
    message: typeof error?.message === 'string' ? error.message : `upstream returned HTTP ${status}`,
    type: typeof error?.type === 'string' ? error.type : 'upstream_error',
    // Some hosts send numeric codes.
    code: typeof error?.code === 'string' ? error.code : typeof error?.code === 'number' ? String(error.code) : null,
  }
}
