/** Shapes an OpenAI Responses request body (`POST /v1/responses`) into what the event needs. */
import { redactBase64 } from '../../event/redact.ts'
import type { Json, JsonObject } from '../../types.ts'
import type { RequestSummary } from '../types.ts'

/**
 * Request parameters copied into `$ai_model_parameters`: those of @posthog/ai's getModelParams that
 * exist in the Responses API (temperature, top_p, stream), plus the Responses generation settings.
 */
const MODEL_PARAMETER_KEYS = [
  'temperature', 'top_p', 'max_output_tokens', 'max_tool_calls', 'top_logprobs', 'stream', 'reasoning',
  'text', 'tool_choice', 'parallel_tool_calls', 'truncation', 'service_tier', 'background',
] as const

/** @posthog/ai's toContentString: strings as they are, anything else as JSON. */
function contentString(content: Json): string {
  return typeof content === 'string' ? content : JSON.stringify(content)
}

/** One `input` item as a message; items without a role (function calls, their outputs) count as `user`. */
function itemMessage(item: Json): JsonObject {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return { role: 'user', content: contentString(item) }
  const role = typeof item.role === 'string' ? item.role : 'user'
  return { role, content: contentString(item.content ?? item.text ?? item) }
}

/**
 * `$ai_input` as @posthog/ai's formatOpenAIResponsesInput builds it: `instructions` first as a
 * `system` message, then one `{role, content}` per input item, content flattened to a string.
 * Base64 is redacted before flattening: once inside a JSON string, the event builder can no longer see it.
 */
export function inputFromResponsesRequest(body: JsonObject): Json[] {
  const instructions = body.instructions === undefined ? null : redactBase64(body.instructions)
  const input = body.input === undefined ? null : redactBase64(body.input)
  const messages: Json[] = []
  if (instructions) messages.push({ role: 'system', content: instructions })
  if (Array.isArray(input)) {
    for (const item of input) messages.push(itemMessage(item))
  } else if (typeof input === 'string') {
    messages.push({ role: 'user', content: input })
  } else if (input) {
    messages.push({ role: 'user', content: contentString(input) })
  }
  return messages
}

/** The model parameters present in the body, values as sent (an explicit null is kept, as in @posthog/ai). */
function modelParameters(body: JsonObject): JsonObject {
  const params: JsonObject = {}
  for (const key of MODEL_PARAMETER_KEYS) {
    const value = body[key]
    if (value !== undefined) params[key] = value
  }
  return params
}

export function summarizeResponsesRequest(body: JsonObject): RequestSummary {
  return {
    input: inputFromResponsesRequest(body),
    tools: Array.isArray(body.tools) ? body.tools : null,
    modelParameters: modelParameters(body),
  }
}
