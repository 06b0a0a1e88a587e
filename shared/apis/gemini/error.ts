import type { UpstreamError } from '../types.ts'
import type { JsonObject } from '../../types.ts'
import { asObject, str } from '../../json.ts'

/** The `error` object of a Gemini error body; some Google front ends wrap the body in an array. */
function errorObject(body: unknown): Record<string, unknown> | null {
  const outer = Array.isArray(body) ? body[0] : body
  return asObject(asObject(outer)?.error)
}

/** The machine-readable reason of a `google.rpc.ErrorInfo` detail (`API_KEY_INVALID`), if any. */
function errorInfoReason(details: unknown): string | null {
  if (!Array.isArray(details)) return null
  for (const detail of details) {
    const d = asObject(detail)
    if (d?.['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo' && str(d.reason)) return d.reason as string
  }
  return null
}

/**
 * Reads Gemini's `{error: {code, message, status, details}}`: `type` is the canonical status
 * (`RESOURCE_EXHAUSTED`), `code` the ErrorInfo reason when given, else the numeric code.
 */
export function errorFromGeminiBody(body: unknown): UpstreamError | null {
  const error = errorObject(body)
  if (!error) return null
  const message = str(error.message)
  const status = str(error.status)
  if (message === null && status === null) return null
  const numeric = typeof error.code === 'number' ? String(error.code) : null
  return { message: message ?? '', type: status, code: errorInfoReason(error.details) ?? numeric }
}

/**
 * Canonical google.rpc status for an HTTP code, as Google's APIs pair them. 413 has none: Gemini itself
 * answers an oversized payload with 400 INVALID_ARGUMENT, so that is the status used with it.
 */
const CANONICAL_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
}

export function canonicalStatus(httpStatus: number): string {
  return CANONICAL_STATUS[httpStatus] ?? (httpStatus >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION')
}

/** The proxy's own error in Gemini's format, so Gemini SDKs surface `message`. */
export function geminiErrorBody(status: number, message: string): JsonObject {
  return { error: { code: status, message, status: canonicalStatus(status) } }
}
