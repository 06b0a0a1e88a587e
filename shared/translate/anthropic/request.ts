/**
 * A Chat Completions request (`POST /v1/chat/completions`) as an Anthropic Messages request. Anything that
 * would change the answer and has no Anthropic equivalent is refused with the parameter named, never dropped.
 */
import { jsonObject } from '../../json.ts'
import type { Json, JsonObject } from '../../types.ts'
import { UntranslatableRequest } from '../chat.ts'
import { conversationFromChat } from './messages.ts'
import { toolChoiceFromChat, toolsFromChat } from './tools.ts'

export interface ChatToMessagesOptions {
  /** `max_tokens` when the client sets neither `max_tokens` nor `max_completion_tokens` (Anthropic requires it). */
  defaultMaxTokens: number
}

export type ChatToMessagesResult = { ok: true; body: JsonObject } | { ok: false; message: string; param: string }

/** Read elsewhere (model, messages, tools, ...) or with no effect on the answer, so nothing to send. */
const HANDLED = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_k', 'stop', 'user',
  'stream', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'n', 'logprobs', 'top_logprobs',
  'frequency_penalty', 'presence_penalty', 'logit_bias', 'modalities',
  // The proxy reads stream_options itself; the rest tune OpenAI's storage, billing or latency, not the answer.
  'stream_options', 'seed', 'store', 'metadata', 'service_tier', 'prediction', 'safety_identifier',
  'prompt_cache_key', 'prompt_cache_retention',
])

/** Why a known OpenAI parameter is refused, and what to use instead. */
const NO_EQUIVALENT: Record<string, string> = {
  functions: 'it is deprecated; use tools.',
  function_call: 'it is deprecated; use tool_choice.',
  reasoning_effort: 'send the request to /v1/messages with `thinking` instead.',
  audio: 'Anthropic models answer in text only.',
  web_search_options: "use Anthropic's web search tool through /v1/messages.",
}

function unsupported(param: string, why: string): never {
  throw new UntranslatableRequest(`${param} is not supported for Anthropic models: ${why}`, param)
}

function number(value: Json, param: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UntranslatableRequest(`${param} must be a number.`, param)
  return value
}

function maxTokens(chat: JsonObject, fallback: number): number {
  for (const param of ['max_completion_tokens', 'max_tokens']) {
    const value = chat[param]
    if (value === undefined || value === null) continue
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new UntranslatableRequest(`${param} must be a positive integer.`, param)
    }
    return value
  }
  return fallback
}

function stopSequences(stop: Json): string[] {
  const list = typeof stop === 'string' ? [stop] : stop
  if (!Array.isArray(list) || !list.every((s): s is string => typeof s === 'string')) {
    throw new UntranslatableRequest('stop must be a string or an array of strings.', 'stop')
  }
  return list
}

/** `response_format` as Anthropic structured outputs (`output_config.format`); null for plain text. */
function outputFormat(format: Json): JsonObject | null {
  const f = jsonObject(format)
  if (f?.type === 'text') return null
  if (f?.type === 'json_schema') {
    const schema = jsonObject(jsonObject(f.json_schema)?.schema)
    if (!schema) throw new UntranslatableRequest('response_format.json_schema.schema is required for Anthropic models.', 'response_format.json_schema.schema')
    return { type: 'json_schema', schema }
  }
  if (f?.type === 'json_object') {
    unsupported('response_format', "Anthropic has no JSON mode without a schema; use {type:'json_schema'} with a schema.")
  }
  throw new UntranslatableRequest("response_format.type must be 'text', 'json_object' or 'json_schema'.", 'response_format.type')
}

/** Refuses what has no Anthropic equivalent; neutral values (n: 1, a 0 penalty, logprobs: false) pass. */
function refuseUnsupported(chat: JsonObject): void {
  for (const [param, value] of Object.entries(chat)) {
    if (value === null || HANDLED.has(param)) continue
    unsupported(param, NO_EQUIVALENT[param] ?? 'the parameter has no Anthropic equivalent.')
  }
  const { n, logprobs, top_logprobs: topLogprobs, logit_bias: logitBias, modalities } = chat
  if (n !== undefined && n !== null && n !== 1) unsupported('n', 'Anthropic returns one choice per request.')
  if (logprobs !== undefined && logprobs !== null && logprobs !== false) unsupported('logprobs', 'Anthropic does not return log probabilities.')
  if (topLogprobs !== undefined && topLogprobs !== null && topLogprobs !== 0) unsupported('top_logprobs', 'Anthropic does not return log probabilities.')
  for (const param of ['frequency_penalty', 'presence_penalty']) {
    const value = chat[param]
    if (value !== undefined && value !== null && value !== 0) unsupported(param, 'Anthropic has no repetition penalties.')
  }
  const bias = jsonObject(logitBias)
  if (bias && Object.keys(bias).length > 0) unsupported('logit_bias', 'Anthropic has no token biases.')
  if (Array.isArray(modalities) && modalities.some((m) => m !== 'text')) unsupported('modalities', 'Anthropic models answer in text only.')
}

function translate(chat: JsonObject, model: string, options: ChatToMessagesOptions): JsonObject {
  refuseUnsupported(chat)
  const { system, messages } = conversationFromChat(chat.messages)
  const body: JsonObject = { model, max_tokens: maxTokens(chat, options.defaultMaxTokens) }
  if (system !== null) body.system = system
  body.messages = messages

  const { temperature, top_p: topP, top_k: topK, stop, user, stream, response_format: responseFormat } = chat
  if (temperature !== undefined && temperature !== null) body.temperature = number(temperature, 'temperature')
  // top_p 1 samples from everything, the default; newer Claude models refuse temperature and top_p together.
  if (topP !== undefined && topP !== null && number(topP, 'top_p') !== 1) body.top_p = topP
  if (topK !== undefined && topK !== null) body.top_k = number(topK, 'top_k')
  if (stop !== undefined && stop !== null) {
    const sequences = stopSequences(stop)
    if (sequences.length > 0) body.stop_sequences = sequences
  }

  const tools = toolsFromChat(chat.tools)
  if (tools && tools.length > 0) body.tools = tools
  const toolChoice = toolChoiceFromChat(chat.tool_choice, chat.parallel_tool_calls, tools !== null && tools.length > 0)
  if (toolChoice) body.tool_choice = toolChoice

  if (responseFormat !== undefined && responseFormat !== null) {
    const format = outputFormat(responseFormat)
    if (format) body.output_config = { format }
  }
  if (typeof user === 'string' && user !== '') body.metadata = { user_id: user }
  if (stream === true) body.stream = true
  return body
}

export function chatToMessagesRequest(chat: JsonObject, model: string, options: ChatToMessagesOptions): ChatToMessagesResult {
  try {
    return { ok: true, body: translate(chat, model, options) }
  } catch (error) {
    if (error instanceof UntranslatableRequest) return { ok: false, message: error.message, param: error.param }
    throw error
  }
}
