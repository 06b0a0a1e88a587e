import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** OpenAI's error type for a status, so SDKs raise the matching error class. */
function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status < 500) return 'invalid_request_error'
  return 'api_error'
}

/** The body of an error in OpenAI format: `{"error":{"message","type","param","code"}}`. */
export function openAIErrorBody(status: number, message: string, code: string) {
  return { error: { message, type: openAIErrorType(status), param: null, code } }
}

/** An error response in the caller's format; other formats join with their routes. */
export function errorResponse(c: Context, status: ContentfulStatusCode, message: string, code: string): Response {
  return c.json(openAIErrorBody(status, message, code), status)
}
