/** Shapes a native generateContent request into `$ai_input`, `$ai_tools` and `$ai_model_parameters`. */
import type { RequestSummary } from '../types.ts'
import type { Json, JsonObject } from '../../types.ts'
import { asObject, str, type Obj } from '../../json.ts'
import { field } from './parse.ts'

export type GeminiAction = 'generateContent' | 'streamGenerateContent'

const MODEL_ACTION = /^(?:models\/)?([A-Za-z0-9][A-Za-z0-9._-]*):(generateContent|streamGenerateContent)$/

/**
 * Splits the `{model}:{action}` path segment of `/v1beta/models/{model}:{action}`. A leading `models/`
 * is accepted too, and a colon some clients percent-encode. Null for other actions (countTokens, …).
 */
export function parseModelAction(pathSegment: string): { model: string; action: GeminiAction } | null {
  const match = MODEL_ACTION.exec(pathSegment.replace(/%3a/i, ':'))
  if (!match) return null
  return { model: match[1] as string, action: match[2] as GeminiAction }
}

/** Roles as PostHog shows them: Gemini's `model` is the assistant, its legacy `function` role a tool. */
function roleOf(role: unknown): string {
  if (role === 'model') return 'assistant'
  if (role === 'function') return 'tool'
  return str(role) ?? 'user'
}

/** @posthog/ai's block for inline media: audio, image, or a document for anything else. */
function inlineDataBlock(inline: Obj): JsonObject {
  const mimeType = str(field(inline, 'mimeType', 'mime_type')) ?? 'application/octet-stream'
  const data = typeof inline.data === 'string' ? inline.data : ''
  if (mimeType.startsWith('audio/')) return { type: 'audio', mime_type: mimeType, data }
  if (mimeType.startsWith('image/')) return { type: 'image', inline_data: { mime_type: mimeType, data } }
  return { type: 'document', inline_data: { mime_type: mimeType, data } }
}

function withId(id: unknown, block: JsonObject): JsonObject {
  const value = str(id)
  return value === null ? block : { ...block, id: value }
}

/**
 * One part as a content block: text, media and function calls in @posthog/ai's shapes (which drop
 * function calls and responses from the input; they are kept here so tool turns stay readable).
 * Other parts (fileData, executableCode, …) are kept as sent, minus the opaque thought signature.
 */
function partBlock(raw: unknown): Json | null {
  const part = asObject(raw)
  if (!part) return null
  // Thought summaries are the model's earlier reasoning, left out of the output too.
  if (part.thought === true) return null
  if (typeof part.text === 'string') return part.text === '' ? null : { type: 'text', text: part.text }
  const inline = asObject(field(part, 'inlineData', 'inline_data'))
  if (inline) return inlineDataBlock(inline)
  const call = asObject(field(part, 'functionCall', 'function_call'))
  if (call) {
    const args = call.args === undefined ? {} : call.args
    return withId(call.id, { type: 'function', function: { name: str(call.name) ?? '', arguments: JSON.stringify(args) } })
  }
  const response = asObject(field(part, 'functionResponse', 'function_response'))
  if (response) {
    return withId(response.id, { type: 'function_response', name: str(response.name) ?? '', response: (response.response ?? null) as Json })
  }
  const rest: JsonObject = {}
  for (const [key, value] of Object.entries(part)) {
    if (key !== 'thoughtSignature' && key !== 'thought_signature') rest[key] = value as Json
  }
  return Object.keys(rest).length > 0 ? rest : null
}

function blocksOf(parts: unknown): Json[] {
  if (!Array.isArray(parts)) return []
  const blocks: Json[] = []
  for (const part of parts) {
    const block = partBlock(part)
    if (block !== null) blocks.push(block)
  }
  return blocks
}

/** The system instruction's text (a Content, or a bare string some clients send), else null. */
function systemText(instruction: unknown): string | null {
  if (typeof instruction === 'string') return str(instruction)
  const parts = asObject(instruction)?.parts
  if (!Array.isArray(parts)) return null
  const texts = parts.map((p) => asObject(p)?.text).filter((t): t is string => typeof t === 'string' && t !== '')
  return texts.length > 0 ? texts.join('\n') : null
}

function modelParameters(body: JsonObject): JsonObject {
  const params: JsonObject = { ...(asObject(field(body, 'generationConfig', 'generation_config')) as JsonObject | null) }
  // Request-level settings that change the answer as much as the sampling ones do.
  const extras: [string, unknown][] = [
    ['toolConfig', field(body, 'toolConfig', 'tool_config')],
    ['safetySettings', field(body, 'safetySettings', 'safety_settings')],
    ['cachedContent', field(body, 'cachedContent', 'cached_content')],
  ]
  for (const [key, value] of extras) if (value !== undefined) params[key] = value as Json
  return params
}

/**
 * `$ai_input` as @posthog/ai normalises Gemini input: `systemInstruction` first as a `system`
 * message, then each Content as `{role, content: [blocks]}`, with `model` shown as `assistant`.
 */
export function summarizeGenerateContentRequest(body: JsonObject): RequestSummary {
  const input: Json[] = []
  const system = systemText(field(body, 'systemInstruction', 'system_instruction'))
  if (system !== null) input.push({ role: 'system', content: system })
  if (Array.isArray(body.contents)) {
    for (const raw of body.contents) {
      const content = asObject(raw)
      if (content) input.push({ role: roleOf(content.role), content: blocksOf(content.parts) })
    }
  }
  return {
    input,
    tools: Array.isArray(body.tools) ? body.tools : null,
    modelParameters: modelParameters(body),
  }
}
