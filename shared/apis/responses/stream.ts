/** Merges a streamed Responses API answer (typed `response.*` events) into one result. */
import type { CompletionResult } from '../../types.ts'
import { usageFromOpenAI } from '../../usage/openai.ts'
import type { StreamAccumulator, UpstreamError } from '../types.ts'
import { completionFromResponseJson, stopReasonOf } from './completion.ts'
import { errorFromResponsesEvent } from './error.ts'
import { choicesFromOutput } from './output.ts'
import { asIndex, asObject, type Obj, str } from '../../json.ts'


/** A content part of a message being streamed: `output_text` or `refusal`, its text in pieces. */
interface PartState {
  type: string
  pieces: string[]
}

/** An output item being streamed; `done` holds the item once `response.output_item.done` gave it whole. */
interface ItemState {
  added: Obj
  parts: Map<number, PartState>
  args: string[]
  done: Obj | null
}

function sorted<T>(map: Map<number, T>): T[] {
  return [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, value]) => value)
}

/** The item as the Responses format would show it, rebuilt from what arrived. */
function itemOf(state: ItemState): Obj {
  if (state.done) return state.done
  const { added } = state
  if (added.type === 'function_call') {
    return { ...added, arguments: state.args.length > 0 ? state.args.join('') : added.arguments }
  }
  if (added.type !== 'message') return added
  const content = sorted(state.parts).map((part) =>
    part.type === 'refusal'
      ? { type: 'refusal', refusal: part.pieces.join('') }
      : { type: part.type, text: part.pieces.join('') },
  )
  return { ...added, content }
}

/**
 * Each `add` only appends; strings are joined once in `result()`. When a terminal event
 * (`response.completed`, `response.incomplete`, `response.failed`) carries the whole response, the
 * result is read from it; before that (a cut stream) it is rebuilt from the deltas.
 */
export class ResponsesStreamAccumulator implements StreamAccumulator {
  private id: string | null = null
  private model: string | null = null
  private usage: unknown = null
  private terminal: Obj | null = null
  private failure: UpstreamError | null = null
  private readonly items = new Map<number, ItemState>()

  add(data: unknown, eventName: string | null): boolean {
    const event = asObject(data)
    if (!event) return false
    const type = str(event.type) ?? eventName
    this.failure ??= errorFromResponsesEvent(event, eventName)

    const response = asObject(event.response)
    if (response) this.addResponse(response)

    switch (type) {
      case 'response.output_item.added':
      case 'response.output_item.done': {
        const index = asIndex(event.output_index)
        const item = asObject(event.item)
        if (index === null || !item) return false
        const state = this.item(index, item)
        if (type === 'response.output_item.done') state.done = item
        return false
      }
      case 'response.content_part.added':
      case 'response.content_part.done': {
        const part = asObject(event.part)
        const state = this.part(event, str(part?.type) ?? 'output_text')
        const text = part?.type === 'refusal' ? part.refusal : part?.text
        if (state && typeof text === 'string') state.pieces = [text]
        return false
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta': {
        const state = this.part(event, type === 'response.refusal.delta' ? 'refusal' : 'output_text')
        if (!state || typeof event.delta !== 'string' || event.delta === '') return false
        state.pieces.push(event.delta)
        return true
      }
      case 'response.output_text.done':
      case 'response.refusal.done': {
        const refusal = type === 'response.refusal.done'
        const state = this.part(event, refusal ? 'refusal' : 'output_text')
        const text = refusal ? event.refusal : event.text
        if (state && typeof text === 'string') state.pieces = [text]
        return false
      }
      case 'response.function_call_arguments.delta': {
        const index = asIndex(event.output_index)
        if (index === null || typeof event.delta !== 'string' || event.delta === '') return false
        this.item(index, { type: 'function_call', id: event.item_id ?? '' }).args.push(event.delta)
        return true
      }
      case 'response.function_call_arguments.done': {
        const index = asIndex(event.output_index)
        if (index !== null && typeof event.arguments === 'string') {
          this.item(index, { type: 'function_call', id: event.item_id ?? '' }).args = [event.arguments]
        }
        return false
      }
      default:
        return false
    }
  }

  /** The failure the stream reported (`error` or `response.failed` event), else null. */
  error(): UpstreamError | null {
    return this.failure
  }

  result(): CompletionResult {
    const partial = choicesFromOutput(sorted(this.items).map(itemOf))
    if (this.terminal) {
      const result = completionFromResponseJson(this.terminal)
      // A failed response may list no output although text was already streamed to the client.
      return result.choices.length > 0 ? result : { ...result, choices: partial }
    }
    return {
      id: this.id,
      model: this.model,
      choices: partial,
      stopReason: null,
      usage: usageFromOpenAI(this.usage),
    }
  }

  private addResponse(response: Obj): void {
    this.id ??= str(response.id)
    this.model ??= str(response.model)
    if (asObject(response.usage)) this.usage = response.usage
    // Only a finished response has a stop reason.
    if (stopReasonOf(response) !== null) this.terminal = response
  }

  /** The item at `index`, created from `item` if this is the first event about it. */
  private item(index: number, item: Obj): ItemState {
    let state = this.items.get(index)
    if (!state) {
      state = { added: item, parts: new Map(), args: [], done: null }
      this.items.set(index, state)
    }
    return state
  }

  /** The content part an event points at (`output_index`, `content_index`), created if it is new. */
  private part(event: Obj, type: string): PartState | null {
    const index = asIndex(event.output_index)
    const contentIndex = asIndex(event.content_index)
    if (index === null || contentIndex === null) return null
    const item = this.item(index, { type: 'message', role: 'assistant', id: event.item_id ?? '' })
    let part = item.parts.get(contentIndex)
    if (!part) {
      part = { type, pieces: [] }
      item.parts.set(contentIndex, part)
    }
    return part
  }
}
