/**
 * A streamed Anthropic Message as OpenAI `chat.completion.chunk`s, one upstream SSE event at a time: a role
 * chunk first, text and tool-call deltas, a finish_reason chunk, the usage chunk when the client asked for
 * it (`stream_options.include_usage`), then `data: [DONE]`. An Anthropic `error` event becomes an OpenAI
 * error event, which the OpenAI SDKs raise as an APIError.
 */
import { asObject, asIndex, str, type Obj } from '../../json.ts'
import { mergeStreamUsage } from '../../apis/anthropic/usage.ts'
import type { StreamTranslator } from '../../apis/types.ts'
import type { Json, JsonObject } from '../../types.ts'
import { chatErrorFromAnthropic } from './error.ts'
import type { ChatFinishReason } from '../chat.ts'
import { finishReasonFromAnthropic } from './response.ts'
import { chatUsageFromAnthropic } from './usage.ts'

export interface MessagesToChatStreamOptions {
  /** The client sent `stream_options.include_usage: true`. */
  includeUsage: boolean
  /** `created` of every chunk, in Unix seconds. */
  created: number
}

function frame(payload: Json): string {
  return `data: ${JSON.stringify(payload)}\n\n`
}

export class MessagesToChatStream implements StreamTranslator {
  private readonly includeUsage: boolean
  private readonly created: number
  private id: string | null = null
  private model: string | null = null
  private readonly usage: Obj = {}
  /** Anthropic content block index -> OpenAI tool_calls index (tool calls counted from 0). */
  private readonly toolIndexes = new Map<number, number>()
  private roleSent = false
  private finishSent = false
  /** `done` after [DONE], `failed` after an error event: nothing more is written. */
  private state: 'open' | 'done' | 'failed' = 'open'

  constructor(options: MessagesToChatStreamOptions) {
    this.includeUsage = options.includeUsage
    this.created = options.created
  }

  push(data: unknown, eventName: string | null): string {
    const event = asObject(data)
    if (this.state !== 'open' || !event) return ''
    switch (str(event.type) ?? eventName) {
      case 'message_start': {
        const message = asObject(event.message)
        this.id ??= str(message?.id)
        this.model ??= str(message?.model)
        mergeStreamUsage(this.usage, message?.usage)
        return this.role()
      }
      case 'content_block_start':
        return this.blockStart(event)
      case 'content_block_delta':
        return this.blockDelta(event)
      case 'message_delta': {
        mergeStreamUsage(this.usage, event.usage)
        const reason = finishReasonFromAnthropic(asObject(event.delta)?.stop_reason)
        return reason ? this.finish(reason) : ''
      }
      case 'message_stop':
        return this.close()
      case 'error':
        this.state = 'failed'
        // The HTTP status was 200; 500 only picks a type should the event carry none.
        return frame(chatErrorFromAnthropic(500, event))
      default:
        // ping, content_block_stop, and events added later.
        return ''
    }
  }

  end(): string {
    if (this.state !== 'open') return ''
    // The upstream ended without message_stop: complete if the stop reason came, else tell the client.
    if (this.finishSent) return this.close()
    this.state = 'failed'
    return frame({
      error: { message: 'The Anthropic stream ended before the message was complete.', type: 'api_error', param: null, code: null },
    })
  }

  private chunk(delta: JsonObject, finishReason: ChatFinishReason | null): string {
    const chunk: JsonObject = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    }
    // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
    if (this.includeUsage) chunk.usage = null
    return frame(chunk)
  }

  /** The role chunk, once, before any content. */
  private role(): string {
    if (this.roleSent) return ''
    this.roleSent = true
    return this.chunk({ role: 'assistant', content: '' }, null)
  }

  private blockStart(event: Obj): string {
    const index = asIndex(event.index)
    const block = asObject(event.content_block)
    if (index === null || !block) return ''
    if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      return this.role() + this.chunk({ content: block.text }, null)
    }
    if (block.type === 'tool_use') {
      const toolIndex = this.toolIndexes.size
      this.toolIndexes.set(index, toolIndex)
      const call = { index: toolIndex, id: str(block.id) ?? '', type: 'function', function: { name: str(block.name) ?? '', arguments: '' } }
      return this.role() + this.chunk({ tool_calls: [call] }, null)
    }
    // thinking and server-tool blocks have no Chat Completions equivalent.
    return ''
  }

  private blockDelta(event: Obj): string {
    const delta = asObject(event.delta)
    if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') {
      return this.role() + this.chunk({ content: delta.text }, null)
    }
    const index = asIndex(event.index)
    const toolIndex = index === null ? undefined : this.toolIndexes.get(index)
    if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '' && toolIndex !== undefined) {
      return this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] }, null)
    }
    return ''
  }

  private finish(reason: ChatFinishReason): string {
    if (this.finishSent) return ''
    this.finishSent = true
    return this.role() + this.chunk({}, reason)
  }

  private close(): string {
    let out = this.finish('stop')
    const usage = this.includeUsage ? chatUsageFromAnthropic(this.usage) : null
    if (usage) {
      out += frame({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage })
    }
    this.state = 'done'
    return `${out}data: [DONE]\n\n`
  }
}
