/** Anthropic's error format: reading an upstream error, and writing the proxy's own errors for Anthropic clients. */
import type { JsonObject } from '../../types.ts'
import type { UpstreamError } from '../types.ts'
import { asObject, str } from '../../json.ts'

/** Anthropic's documented `error.type` per HTTP status. */
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
}

/** The `error.type` Anthropic uses for a status; other 4xx are `invalid_request_error`, other 5xx `api_error`. */
export function anthropicErrorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
}

/** Reads `{type:'error', error:{type, message}}`; null when the body carries no error object. */
export function errorFromAnthropicBody(body: unknown): UpstreamError | null {
  const error = asObject(asObject(body)?.error)
  if (!error) return null
  return {
    message: typeof error.message === 'string' ? error.message : '',
    type: str(error.type),
    // Anthropic errors have no code beside their type.
    code: null,
  }
}

/** An error body in Anthropic's format, for errors the proxy raises itself on `/v1/messages`. */
export function anthropicErrorBody(status: number, message: string): JsonObject {
  return { type: 'error', error: { type: anthropicErrorType(status), message } }
}
