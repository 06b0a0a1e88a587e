import type { Context, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { anthropicErrorBody } from '../shared/apis/anthropic/error.ts'
import { geminiErrorBody } from '../shared/apis/gemini/error.ts'
import type { JsonObject } from '../shared/types.ts'
import type { AppEnv, ErrorFormat } from './context.ts'

/** OpenAI's error type for a status, so SDKs raise the matching error class. */
function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status < 500) return 'invalid_request_error'
  return 'api_error'
}

/** The body of an error in OpenAI format: `{"error":{"message","type","param","code"}}`. */
export function openAIErrorBody(status: number, message: string, code: string, param: string | null = null) {
  return { error: { message, type: openAIErrorType(status), param, code } }
}

const ERROR_BODIES: Record<ErrorFormat, (status: number, message: string, code: string) => JsonObject> = {
  openai: openAIErrorBody,
  // Anthropic and Gemini errors carry no code of their own: their type or status comes from the HTTP status.
  anthropic: (status, message) => anthropicErrorBody(status, message),
  gemini: (status, message) => geminiErrorBody(status, message),
}

/** An error response in the caller's format (SPEC §2): the route's SDK raises it with this message. */
export function errorResponse(c: Context<AppEnv>, status: ContentfulStatusCode, message: string, code: string): Response {
  return c.json(ERROR_BODIES[c.get('errorFormat') ?? 'openai'](status, message, code), status)
}

/** Marks the routes below as speaking another error format than OpenAI's, from auth on. */
export function speaks(format: ErrorFormat): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('errorFormat', format)
    await next()
  }
}
