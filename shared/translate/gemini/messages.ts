/** Chat Completions `messages` as Gemini `systemInstruction` + `contents`. */
import type { JsonObject } from '../../types.ts'
import { asObject, str, type Obj } from '../../json.ts'
import { UntranslatableRequest } from '../chat.ts'
import { audioPart, imagePart, inlinePartFromDataUrl } from './media.ts'

/**
 * Gemini 3 rejects a function call sent back without the thought signature it came with. Clients that
 * keep `extra_content` on tool calls return the real one; for the others (or history from another
 * model) Google documents this placeholder, which skips the check.
 */
export const PLACEHOLDER_THOUGHT_SIGNATURE = 'skip_thought_signature_validator'

type Role = 'user' | 'model'

export interface GeminiConversation {
  systemInstruction: JsonObject | null
  contents: JsonObject[]
}

/** Text of a system message: a string or text parts only. */
function systemTexts(content: unknown, param: string): string[] {
  if (typeof content === 'string') return content === '' ? [] : [content]
  if (!Array.isArray(content)) throw new UntranslatableRequest('A system message needs text content.', param)
  return content.map((raw, j) => {
    const part = asObject(raw)
    if (part?.type !== 'text' || typeof part.text !== 'string') {
      throw new UntranslatableRequest('System messages can only hold text parts for Gemini models.', `${param}[${j}]`)
    }
    return part.text
  }).filter((text) => text !== '')
}

function userParts(content: unknown, param: string): JsonObject[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }]
  if (!Array.isArray(content)) throw new UntranslatableRequest('A user message needs string or array content.', param)
  const parts: JsonObject[] = []
  content.forEach((raw, j) => {
    const part = asObject(raw)
    const at = `${param}[${j}]`
    switch (part?.type) {
      case 'text':
        if (typeof part.text !== 'string') throw new UntranslatableRequest('A text part needs `text`.', at)
        if (part.text !== '') parts.push({ text: part.text })
        return
      case 'image_url': {
        const url = str(asObject(part.image_url)?.url)
        if (!url) throw new UntranslatableRequest('An image_url part needs `image_url.url`.', `${at}.image_url`)
        parts.push(imagePart(url, `${at}.image_url`))
        return
      }
      case 'input_audio': {
        const audio = asObject(part.input_audio)
        parts.push(audioPart(audio?.data, audio?.format, `${at}.input_audio`))
        return
      }
      case 'file': {
        const inline = inlinePartFromDataUrl(str(asObject(part.file)?.file_data) ?? '')
        if (!inline) {
          throw new UntranslatableRequest('Gemini models read files sent as `file.file_data` (a base64 data: URL), not file ids.', `${at}.file`)
        }
        parts.push(inline)
        return
      }
      default:
        throw new UntranslatableRequest(`Content part type '${String(part?.type)}' is not supported for Gemini models.`, `${at}.type`)
    }
  })
  return parts
}

function assistantTextParts(content: unknown, param: string): JsonObject[] {
  if (content === null || content === undefined) return []
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }]
  if (!Array.isArray(content)) throw new UntranslatableRequest('An assistant message needs string, array or null content.', param)
  const parts: JsonObject[] = []
  content.forEach((raw, j) => {
    const part = asObject(raw)
    const text = part?.type === 'text' ? part.text : part?.type === 'refusal' ? part.refusal : undefined
    if (typeof text !== 'string') {
      throw new UntranslatableRequest('Assistant messages can only hold text and refusal parts for Gemini models.', `${param}[${j}]`)
    }
    if (text !== '') parts.push({ text })
  })
  return parts
}

/** `tool_calls` as functionCall parts; records each call's function name by id for the tool results. */
function functionCallParts(toolCalls: unknown, param: string, names: Map<string, string>): JsonObject[] {
  if (toolCalls === null || toolCalls === undefined) return []
  if (!Array.isArray(toolCalls)) throw new UntranslatableRequest('`tool_calls` must be an array.', param)
  const parts = toolCalls.map((raw, k): JsonObject => {
    const call = asObject(raw)
    const fn = asObject(call?.function)
    const at = `${param}[${k}]`
    const name = str(fn?.name)
    if (call?.type !== 'function' || !fn || !name) {
      throw new UntranslatableRequest('Each tool call needs `type: "function"` and `function.name`.', at)
    }
    const id = str(call.id)
    if (id) names.set(id, name)
    const args = parseArguments(fn.arguments, `${at}.function.arguments`)
    const part: JsonObject = { functionCall: { name, args } }
    const signature = str(asObject(asObject(call.extra_content)?.google)?.thought_signature)
    if (signature) part.thoughtSignature = signature
    return part
  })
  // Only a step's first call carries a signature (parallel calls share it).
  const first = parts[0]
  if (first && !parts.some((p) => p.thoughtSignature !== undefined)) first.thoughtSignature = PLACEHOLDER_THOUGHT_SIGNATURE
  return parts
}

function parseArguments(raw: unknown, param: string): JsonObject {
  if (raw === undefined || raw === null || raw === '') return {}
  let parsed: unknown = raw
  if (typeof raw === 'string') {
    try {
      parsed = JSON.parse(raw)
    } catch {
      throw new UntranslatableRequest('Tool call arguments must be a JSON object; this is not valid JSON.', param)
    }
  }
  const args = asObject(parsed)
  if (!args) throw new UntranslatableRequest('Tool call arguments must be a JSON object.', param)
  return args as JsonObject
}

/** A tool result as Gemini's `response` object: a JSON object as is, anything else under `result`. */
function toolResponse(content: unknown, param: string): JsonObject {
  let text = ''
  if (typeof content === 'string') text = content
  else if (Array.isArray(content)) {
    content.forEach((raw, j) => {
      const part = asObject(raw)
      if (part?.type !== 'text' || typeof part.text !== 'string') {
        throw new UntranslatableRequest('Tool messages can only hold text parts.', `${param}[${j}]`)
      }
      text += part.text
    })
  } else throw new UntranslatableRequest('A tool message needs string or text-part content.', param)
  try {
    const parsed: unknown = JSON.parse(text)
    const object = asObject(parsed)
    if (object) return object as JsonObject
  } catch {
    // Plain text: wrapped below.
  }
  return { result: text }
}

/**
 * Translates the conversation. System and developer messages become the system instruction (Gemini
 * has one, so they are hoisted in order); tool results become functionResponse parts of a user turn;
 * consecutive turns of one role are merged, since Gemini expects them to alternate.
 */
export function conversationFromMessages(messages: unknown): GeminiConversation {
  if (!Array.isArray(messages)) throw new UntranslatableRequest('`messages` must be an array.', 'messages')
  const systemParts: JsonObject[] = []
  const contents: { role: Role; parts: JsonObject[] }[] = []
  const toolNames = new Map<string, string>()

  const append = (role: Role, parts: JsonObject[]) => {
    if (parts.length === 0) return
    const last = contents[contents.length - 1]
    if (last?.role === role) last.parts.push(...parts)
    else contents.push({ role, parts })
  }

  messages.forEach((raw, i) => {
    const message: Obj | null = asObject(raw)
    const at = `messages[${i}]`
    switch (message?.role) {
      case 'system':
      case 'developer':
        for (const text of systemTexts(message.content, `${at}.content`)) systemParts.push({ text })
        return
      case 'user':
        append('user', userParts(message.content, `${at}.content`))
        return
      case 'assistant':
        if (message.function_call != null) {
          throw new UntranslatableRequest('`function_call` is deprecated; send `tool_calls` instead.', `${at}.function_call`)
        }
        // An assistant message with no content and no tool calls (n8n's AI Agent sends them) says nothing.
        append('model', [
          ...assistantTextParts(message.content, `${at}.content`),
          ...functionCallParts(message.tool_calls, `${at}.tool_calls`, toolNames),
        ])
        return
      case 'tool': {
        const id = str(message.tool_call_id)
        const name = id === null ? undefined : toolNames.get(id)
        if (name === undefined) {
          throw new UntranslatableRequest(
            'A tool message must answer a tool call of an earlier assistant message (Gemini needs the function name).',
            `${at}.tool_call_id`,
          )
        }
        append('user', [{ functionResponse: { name, response: toolResponse(message.content, `${at}.content`) } }])
        return
      }
      default:
        throw new UntranslatableRequest(
          `Message role '${String(message?.role)}' is not supported for Gemini models; use system, developer, user, assistant or tool.`,
          `${at}.role`,
        )
    }
  })

  if (contents.length === 0) {
    throw new UntranslatableRequest('`messages` needs at least one user or assistant message with content.', 'messages')
  }
  return {
    systemInstruction: systemParts.length > 0 ? { parts: systemParts } : null,
    contents: contents.map((c) => ({ role: c.role, parts: c.parts })),
  }
}
