import { anthropicErrorType, errorFromAnthropicBody } from '../../apis/anthropic/error.ts'
import type { JsonObject } from '../../types.ts'

/**
 * An Anthropic error (a non-2xx body, or a stream's `error` event) as an OpenAI error body, keeping
 * Anthropic's message and error type (`rate_limit_error`, `overloaded_error`, ...). Anthropic has no codes.
 */
export function chatErrorFromAnthropic(status: number, body: unknown): JsonObject {
  const error = errorFromAnthropicBody(body)
  return {
    error: {
      message: error?.message || `The Anthropic API answered with HTTP ${status}.`,
      type: error?.type ?? anthropicErrorType(status),
      param: null,
      code: null,
    },
  }
}
