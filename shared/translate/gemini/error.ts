/** A Gemini error as an OpenAI error body, for clients of the Chat Completions route. */
import type { JsonObject } from '../../types.ts'
import { errorFromGeminiBody } from '../../apis/gemini/error.ts'

/** OpenAI's error `type` for an HTTP status. */
function openAIType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status >= 500) return 'server_error'
  return 'invalid_request_error'
}

/**
 * `{error: {message, type, param, code}}` keeping Gemini's message (it says what to fix); `code` is
 * Gemini's canonical status in OpenAI's lower-case style (`resource_exhausted`).
 */
export function chatErrorFromGemini(status: number, body: unknown): JsonObject {
  const error = errorFromGeminiBody(body)
  return {
    error: {
      message: error?.message || `Gemini answered with HTTP ${status}.`,
      type: openAIType(status),
      param: null,
      code: error?.type ? error.type.toLowerCase() : null,
    },
  }
}
