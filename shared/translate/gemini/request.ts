/** A Chat Completions request body as a Gemini generateContent request body. */
import type { JsonObject } from '../../types.ts'
import { asObject, str } from '../../json.ts'
import { UntranslatableRequest } from '../chat.ts'
import { conversationFromMessages } from './messages.ts'
import { thinkingConfigFromEffort } from './thinking.ts'
import { toolConfigFromChat, toolsFromChat } from './tools.ts'

export type ChatToGeminiResult =
  | { ok: true; body: JsonObject; stream: boolean }
  | { ok: false; message: string; param: string }

/** Parameters read by the translation below. */
const TRANSLATED = new Set([
  'messages', 'tools', 'tool_choice', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'n',
  'seed', 'presence_penalty', 'frequency_penalty', 'response_format', 'reasoning_effort', 'parallel_tool_calls',
  'logprobs',
])
/**
 * Parameters that do not change the answer: the model goes in the URL, `user` is the proxy's analytics
 * id, `stream_options` is the translator's business, `store`/`metadata` are OpenAI-side storage.
 */
const IGNORED = new Set(['model', 'stream', 'stream_options', 'user', 'store', 'metadata'])

function number(value: unknown, param: string): number | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UntranslatableRequest(`${param} must be a number.`, param)
  return value
}

function stopSequences(stop: unknown): string[] | null {
  if (stop === undefined || stop === null) return null
  if (typeof stop === 'string') return [stop]
  if (Array.isArray(stop) && stop.every((s): s is string => typeof s === 'string')) return stop
  throw new UntranslatableRequest('stop must be a string or an array of strings.', 'stop')
}

/** `response_format` as the response MIME type and, for json_schema, the schema Gemini must follow. */
function responseFormat(format: unknown, config: JsonObject): void {
  if (format === undefined || format === null) return
  const f = asObject(format)
  if (f?.type === 'text') return
  if (f?.type === 'json_object') {
    config.responseMimeType = 'application/json'
    return
  }
  const schema = asObject(asObject(f?.json_schema)?.schema)
  if (f?.type === 'json_schema' && schema) {
    config.responseMimeType = 'application/json'
    // responseJsonSchema takes JSON Schema as written for OpenAI; responseSchema only an OpenAPI subset.
    config.responseJsonSchema = schema as JsonObject
    return
  }
  throw new UntranslatableRequest(
    "response_format must be {type: 'text'}, {type: 'json_object'} or {type: 'json_schema', json_schema: {schema}}.",
    'response_format',
  )
}

function generationConfig(chat: JsonObject): JsonObject {
  const config: JsonObject = {}
  const set = (key: string, value: unknown) => {
    if (value !== null && value !== undefined) config[key] = value as JsonObject[string]
  }
  // max_completion_tokens replaced max_tokens; a client sending both means the newer one.
  set('maxOutputTokens', number(chat.max_completion_tokens, 'max_completion_tokens') ?? number(chat.max_tokens, 'max_tokens'))
  set('temperature', number(chat.temperature, 'temperature'))
  set('topP', number(chat.top_p, 'top_p'))
  set('stopSequences', stopSequences(chat.stop))
  set('candidateCount', number(chat.n, 'n'))
  set('seed', number(chat.seed, 'seed'))
  // 0 is both APIs' default; sending it would fail on the Gemini models without penalty support, and
  // LangChain-based clients (n8n) send 0 on every request.
  const presence = number(chat.presence_penalty, 'presence_penalty')
  if (presence) config.presencePenalty = presence
  const frequency = number(chat.frequency_penalty, 'frequency_penalty')
  if (frequency) config.frequencyPenalty = frequency
  responseFormat(chat.response_format, config)
  if (chat.reasoning_effort !== undefined && chat.reasoning_effort !== null) {
    config.thinkingConfig = thinkingConfigFromEffort(chat.reasoning_effort, str(chat.model) ?? '')
  }
  return config
}

/** Refuses parameters Gemini cannot honour, so that nothing that changes the answer is dropped silently. */
function checkSupported(chat: JsonObject): void {
  for (const [key, value] of Object.entries(chat)) {
    // Clients send null for "not set" (the openai SDK's optional fields, LangChain's defaults).
    if (value === null || TRANSLATED.has(key) || IGNORED.has(key)) continue
    throw new UntranslatableRequest(`The parameter '${key}' is not supported for Gemini models.`, key)
  }
  // Gemini may call several functions at once and has no switch to prevent it.
  if (chat.parallel_tool_calls === false) {
    throw new UntranslatableRequest('parallel_tool_calls: false is not supported for Gemini models.', 'parallel_tool_calls')
  }
  if (chat.logprobs === true) throw new UntranslatableRequest('logprobs is not supported for Gemini models.', 'logprobs')
}

/** Translates the body; the model is not part of it (it goes in the URL). */
export function chatToGenerateContentRequest(chat: JsonObject): ChatToGeminiResult {
  try {
    checkSupported(chat)
    const { systemInstruction, contents } = conversationFromMessages(chat.messages)
    const body: JsonObject = { contents }
    if (systemInstruction) body.systemInstruction = systemInstruction
    const tools = toolsFromChat(chat.tools)
    if (tools) body.tools = tools
    const toolConfig = toolConfigFromChat(chat.tool_choice)
    if (toolConfig) body.toolConfig = toolConfig
    const config = generationConfig(chat)
    if (Object.keys(config).length > 0) body.generationConfig = config
    return { ok: true, body, stream: chat.stream === true }
  } catch (error) {
    if (error instanceof UntranslatableRequest) return { ok: false, message: error.message, param: error.param }
    throw error
  }
}
