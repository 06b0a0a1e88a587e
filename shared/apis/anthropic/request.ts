/** Reads what an event needs from a native Anthropic Messages request (`POST /v1/messages`). */
import type { Json, JsonObject } from '../../types.ts'
import type { RequestSummary } from '../types.ts'
import { asObject } from '../../json.ts'

/** Generation settings copied into `$ai_model_parameters`, values as sent. */
const MODEL_PARAMETER_KEYS = [
  'max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'stream', 'tool_choice', 'thinking',
  'output_config', 'service_tier',
] as const

/**
 * `$ai_input` as @posthog/ai's `mergeSystemPrompt` builds it: the `system` parameter as sent (a string or
 * text blocks) first as a `system` message when it is truthy, then the messages untouched (content blocks
 * stay Anthropic blocks; base64 is redacted later, when the event is built).
 */
function inputOf(body: JsonObject): Json[] {
  const messages = Array.isArray(body.messages) ? body.messages : []
  const system = body.system
  if (system === undefined || system === null || system === '') return messages
  return [{ role: 'system', content: system }, ...messages]
}

export function summarizeMessagesRequest(body: JsonObject): RequestSummary {
  const modelParameters: JsonObject = {}
  for (const key of MODEL_PARAMETER_KEYS) {
    const value = body[key]
    if (value !== undefined) modelParameters[key] = value
  }
  return {
    input: inputOf(body),
    tools: Array.isArray(body.tools) ? body.tools : null,
    modelParameters,
  }
}

/** The end-user id an Anthropic client sends (`metadata.user_id`), unvalidated. */
export function userFromMessagesRequest(body: JsonObject): unknown {
  return asObject(body.metadata)?.user_id
}
