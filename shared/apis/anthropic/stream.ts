/** Merges a streamed Anthropic Message (`stream: true` on `POST /v1/messages`) one SSE event at a time. */
import type { CompletionResult, OutputPart } from '../../types.ts'
import type { StreamAccumulator, UpstreamError } from '../types.ts'
import { choicesOf } from './completion.ts'
import { errorFromAnthropicBody } from './error.ts'
import { asObject, asIndex, str, type Obj } from '../../json.ts'
import { mergeStreamUsage, usageFromAnthropic } from './usage.ts'

type Block =
  | { kind: 'text'; text: string[] }
  | { kind: 'tool'; id: string; name: string; input: unknown; json: string[] }

/**
 * A tool's arguments as the non-streamed path serialises them: the streamed JSON re-serialised when it
 * parses, the raw fragments when the stream was cut mid-way, the start block's `input` when no fragment came.
 */
function toolArguments(block: Extract<Block, { kind: 'tool' }>): string {
  const json = block.json.join('')
  if (json === '') return JSON.stringify(block.input ?? {})
  try {
    return JSON.stringify(JSON.parse(json))
  } catch {
    return json
  }
}

export class MessagesStreamAccumulator implements StreamAccumulator {
  private id: string | null = null
  private model: string | null = null
  private stopReason: string | null = null
  private readonly usage: Obj = {}
  private readonly blocks = new Map<number, Block>()
  private failure: UpstreamError | null = null

  add(data: unknown, eventName: string | null): boolean {
    const event = asObject(data)
    if (!event) return false
    switch (str(event.type) ?? eventName) {
      case 'message_start': {
        const message = asObject(event.message)
        this.id ??= str(message?.id)
        this.model ??= str(message?.model)
        mergeStreamUsage(this.usage, message?.usage)
        return false
      }
      case 'content_block_start':
        return this.startBlock(event)
      case 'content_block_delta':
        return this.addDelta(event)
      case 'message_delta': {
        const stop = str(asObject(event.delta)?.stop_reason)
        if (stop) this.stopReason = stop
        mergeStreamUsage(this.usage, event.usage)
        return false
      }
      case 'error':
        // Anthropic reports an overload or a failure mid-stream, after answering 200.
        this.failure ??= errorFromAnthropicBody(event)
        return false
      default:
        // ping, content_block_stop, message_stop.
        return false
    }
  }

  private startBlock(event: Obj): boolean {
    const index = asIndex(event.index)
    const block = asObject(event.content_block)
    if (index === null || !block) return false
    if (block.type === 'text') {
      const text = typeof block.text === 'string' ? block.text : ''
      this.blocks.set(index, { kind: 'text', text: text ? [text] : [] })
      return text !== ''
    }
    if (block.type === 'tool_use') {
      this.blocks.set(index, { kind: 'tool', id: str(block.id) ?? '', name: str(block.name) ?? '', input: block.input, json: [] })
      // @posthog/ai marks the first token when a tool call starts.
      return true
    }
    return false
  }

  private addDelta(event: Obj): boolean {
    const index = asIndex(event.index)
    const delta = asObject(event.delta)
    if (index === null || !delta) return false
    let block = this.blocks.get(index)
    if (delta.type === 'text_delta' && typeof delta.text === 'string') {
      if (!block) {
        block = { kind: 'text', text: [] }
        this.blocks.set(index, block)
      }
      if (block.kind !== 'text' || delta.text === '') return false
      block.text.push(delta.text)
      return true
    }
    if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && block?.kind === 'tool') {
      block.json.push(delta.partial_json)
      return delta.partial_json !== ''
    }
    // thinking_delta, signature_delta, citations_delta: not output, as in @posthog/ai.
    return false
  }

  error(): UpstreamError | null {
    return this.failure
  }

  result(): CompletionResult {
    const parts: OutputPart[] = []
    for (const [, block] of [...this.blocks].sort((a, b) => a[0] - b[0])) {
      if (block.kind === 'text') {
        const text = block.text.join('')
        if (text) parts.push({ type: 'text', text })
      } else if (block.id && block.name) {
        parts.push({ type: 'function', id: block.id, function: { name: block.name, arguments: toolArguments(block) } })
      }
    }
    return {
      id: this.id,
      model: this.model,
      choices: choicesOf(parts),
      stopReason: this.stopReason,
      usage: usageFromAnthropic(this.usage),
    }
  }
}
