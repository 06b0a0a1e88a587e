/** Shapes an OpenAI Chat Completions request body into `$ai_input` and `$ai_model_parameters`. */
import type { Json, JsonObject } from '../types.ts'

/**
 * Request parameters copied into `$ai_model_parameters`: those of @posthog/ai's getModelParams that
 * apply to Chat Completions, plus seed, reasoning_effort and the tool-choice settings.
 */
const MODEL_PARAMETER_KEYS = [
  'temperature', 'max_tokens', 'max_completion_tokens', 'top_p', 'frequency_penalty', 'presence_penalty',
  'n', 'stop', 'stream', 'seed', 'response_format', 'service_tier', 'reasoning_effort', 'tool_choice',
  'parallel_tool_calls',
] as const

/** The request's `messages` as sent (OpenAI format; a system prompt is already a message), else []. */
export function inputFromChatRequest(body: JsonObject): Json[] {
  const messages = body.messages
  return Array.isArray(messages) ? messages : []
}

/** The model parameters present in the body, values as sent (an explicit null is kept, as in @posthog/ai). */
export function modelParametersFromChatRequest(body: JsonObject): JsonObject {
  const params: JsonObject = {}
  for (const key of MODEL_PARAMETER_KEYS) {
    const value = body[key]
    if (value !== undefined) params[key] = value
  }
  return params
}
