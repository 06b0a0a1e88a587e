/** A non-streamed Anthropic Message as an OpenAI `chat.completion`. */
import { asObject, str } from '../../json.ts'
import type { Json, JsonObject } from '../../types.ts'
import { chatUsageFromAnthropic } from './usage.ts'
import type { ChatFinishReason } from '../chat.ts'


/** OpenAI's finish_reason for an Anthropic stop_reason; null while there is none (a stream not finished). */
export function finishReasonFromAnthropic(stopReason: unknown): ChatFinishReason | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'refusal':
      return 'content_filter'
    default:
      // end_turn, stop_sequence, pause_turn, and any reason added later: the model stopped normally.
      return 'stop'
  }
}

export function messagesToChatCompletion(message: unknown, created: number): JsonObject {
  const m = asObject(message)
  let text = ''
  const toolCalls: Json[] = []
  for (const raw of Array.isArray(m?.content) ? m.content : []) {
    const block = asObject(raw)
    if (block?.type === 'text' && typeof block.text === 'string') text += block.text
    if (block?.type === 'tool_use') {
      toolCalls.push({
        id: str(block.id) ?? '',
        type: 'function',
        function: { name: str(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) },
      })
    }
  }
  const chatMessage: JsonObject = { role: 'assistant', content: text === '' ? null : text }
  if (toolCalls.length > 0) chatMessage.tool_calls = toolCalls
  chatMessage.refusal = null

  const completion: JsonObject = {
    id: str(m?.id),
    object: 'chat.completion',
    created,
    model: str(m?.model),
    choices: [
      { index: 0, message: chatMessage, logprobs: null, finish_reason: finishReasonFromAnthropic(m?.stop_reason) ?? 'stop' },
    ],
  }
  const usage = chatUsageFromAnthropic(m?.usage)
  if (usage) completion.usage = usage
  return completion
}
