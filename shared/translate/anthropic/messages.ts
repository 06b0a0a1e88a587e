/** Chat Completions `messages` as Anthropic's `system` and alternating `messages`. */
import { jsonObject } from '../../json.ts'
import type { Json, JsonObject } from '../../types.ts'
import { compactContent, textBlocks, userBlocks } from './content.ts'
import { UntranslatableRequest } from '../chat.ts'

export interface AnthropicConversation {
  /** All system and developer messages, wherever they were, in order; null when there are none. */
  system: Json | null
  messages: JsonObject[]
}

interface Turn {
  role: 'user' | 'assistant'
  blocks: JsonObject[]
}

/** Tool arguments arrive as a JSON string; Anthropic wants the object. */
function toolInput(args: Json | undefined, param: string): JsonObject {
  // Some clients send '' (or nothing) for a call without arguments.
  if (args === undefined || args === null || (typeof args === 'string' && args.trim() === '')) return {}
  let parsed: Json = args
  if (typeof args === 'string') {
    try {
      parsed = JSON.parse(args) as Json
    } catch {
      throw new UntranslatableRequest(`Tool call arguments are not valid JSON: ${args.slice(0, 100)}`, param)
    }
  }
  const input = jsonObject(parsed)
  if (!input) throw new UntranslatableRequest('Tool call arguments must be a JSON object.', param)
  return input
}

function assistantBlocks(message: JsonObject, param: string): JsonObject[] {
  if (message.function_call !== undefined && message.function_call !== null) {
    throw new UntranslatableRequest('function_call is deprecated and not supported for Anthropic models; use tool_calls.', `${param}.function_call`)
  }
  if (message.audio !== undefined && message.audio !== null) {
    throw new UntranslatableRequest('Assistant audio cannot be sent to Anthropic models.', `${param}.audio`)
  }
  const blocks = textBlocks(message.content, `${param}.content`, true)
  const calls = message.tool_calls
  if (calls === undefined || calls === null) return blocks
  if (!Array.isArray(calls)) throw new UntranslatableRequest('tool_calls must be an array.', `${param}.tool_calls`)
  calls.forEach((raw, j) => {
    const callParam = `${param}.tool_calls[${j}]`
    const call = jsonObject(raw)
    const fn = jsonObject(call?.function)
    if (typeof call?.id !== 'string' || call.id === '') throw new UntranslatableRequest('A tool call needs an id.', `${callParam}.id`)
    if (typeof fn?.name !== 'string' || fn.name === '') {
      throw new UntranslatableRequest('A tool call needs a function name.', `${callParam}.function.name`)
    }
    blocks.push({ type: 'tool_use', id: call.id, name: fn.name, input: toolInput(fn.arguments, `${callParam}.function.arguments`) })
  })
  return blocks
}

function toolResult(message: JsonObject, param: string): JsonObject {
  const id = message.tool_call_id
  if (typeof id !== 'string' || id === '') throw new UntranslatableRequest('A tool message needs a tool_call_id.', `${param}.tool_call_id`)
  const blocks = textBlocks(message.content, `${param}.content`)
  return blocks.length > 0 ? { type: 'tool_result', tool_use_id: id, content: compactContent(blocks) } : { type: 'tool_result', tool_use_id: id }
}

/**
 * Anthropic requires user and assistant turns to alternate: consecutive messages of one role (several tool
 * results, or tool results followed by the user's next words) become one turn, in order.
 */
function addTurn(turns: Turn[], role: Turn['role'], blocks: JsonObject[]): void {
  if (blocks.length === 0) return
  const last = turns[turns.length - 1]
  if (last?.role === role) last.blocks.push(...blocks)
  else turns.push({ role, blocks })
}

export function conversationFromChat(messages: Json | undefined): AnthropicConversation {
  if (!Array.isArray(messages)) throw new UntranslatableRequest('messages must be an array.', 'messages')
  const system: JsonObject[] = []
  const turns: Turn[] = []
  messages.forEach((raw, i) => {
    const param = `messages[${i}]`
    const message = jsonObject(raw)
    switch (message?.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(message.content, `${param}.content`))
        return
      case 'user':
        addTurn(turns, 'user', userBlocks(message.content, `${param}.content`))
        return
      case 'assistant':
        // An assistant message with no text and no tool call (n8n's AI Agent sends `content: []`) is dropped.
        addTurn(turns, 'assistant', assistantBlocks(message, param))
        return
      case 'tool':
        addTurn(turns, 'user', [toolResult(message, param)])
        return
      default:
        throw new UntranslatableRequest(
          `Message role ${JSON.stringify(message?.role ?? null)} is not supported for Anthropic models (system, developer, user, assistant and tool are).`,
          `${param}.role`,
        )
    }
  })
  return {
    system: system.length > 0 ? compactContent(system) : null,
    messages: turns.map((turn) => ({ role: turn.role, content: compactContent(turn.blocks) })),
  }
}
