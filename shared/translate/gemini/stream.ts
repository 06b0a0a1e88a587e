/** Gemini `streamGenerateContent?alt=sse` events as OpenAI `chat.completion.chunk` events. */
import type { StreamTranslator } from '../../apis/types.ts'
import type { Json, JsonObject } from '../../types.ts'
import { promptBlockReason, readCandidates } from '../../apis/gemini/candidate.ts'
import { asObject, str } from '../../json.ts'
import { newCompletionId } from './ids.ts'
import { chatErrorFromGemini } from './error.ts'
import { chatToolCall, chatUsageFromGemini, finishReasonFromGemini } from './response.ts'

export interface GenerateContentToChatStreamOptions {
  /** The client asked for `stream_options.include_usage`: a usage chunk ends the stream. */
  includeUsage: boolean
  created: number
  /** Model id the client sees in every chunk. */
  model: string
}

const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`

/**
 * Each Gemini event is a whole response holding only the new parts, with function calls whole: a
 * call becomes one tool-call delta carrying its id, name and full arguments. Per candidate: a role
 * chunk first, then content and tool-call deltas, then a finish_reason chunk when Gemini gives one.
 */
export class GenerateContentToChatStream implements StreamTranslator {
  private id: string | null = null
  private readonly started = new Set<number>()
  private readonly toolCalls = new Map<number, number>()
  private usage: JsonObject | null = null
  private failed = false

  constructor(private readonly options: GenerateContentToChatStreamOptions) {}

  push(data: unknown): string {
    const event = asObject(data)
    if (!event || this.failed) return ''
    if (event.error !== undefined) return this.fail(event)
    this.id ??= str(event.responseId)
    this.usage = chatUsageFromGemini(event.usageMetadata) ?? this.usage
    let out = ''
    for (const candidate of readCandidates(event)) {
      const index = candidate.index
      out += this.start(index)
      if (candidate.text) out += this.chunk(index, { content: candidate.text })
      for (const call of candidate.calls) {
        const position = this.toolCalls.get(index) ?? 0
        this.toolCalls.set(index, position + 1)
        out += this.chunk(index, { tool_calls: [{ index: position, ...chatToolCall(call) }] })
      }
      if (candidate.finishReason) {
        out += this.chunk(index, {}, finishReasonFromGemini(candidate.finishReason, this.toolCalls.has(index)))
      }
    }
    // A blocked prompt gets no candidate: the client still sees an answer that was filtered.
    if (!this.started.has(0) && promptBlockReason(event) !== null) out += this.start(0) + this.chunk(0, {}, 'content_filter')
    return out
  }

  end(): string {
    if (this.failed) return ''
    let out = ''
    if (this.options.includeUsage && this.usage) out += sse({ ...this.envelope(), choices: [], usage: this.usage })
    return `${out}data: [DONE]\n\n`
  }

  /** An error event mid-stream, in the shape the OpenAI SDKs raise as an APIError. */
  private fail(event: Record<string, unknown>): string {
    this.failed = true
    const code = asObject(event.error)?.code
    return sse(chatErrorFromGemini(typeof code === 'number' ? code : 500, event))
  }

  private start(index: number): string {
    if (this.started.has(index)) return ''
    this.started.add(index)
    return this.chunk(index, { role: 'assistant', content: '', refusal: null })
  }

  private envelope(): JsonObject {
    this.id ??= newCompletionId()
    return { id: this.id, object: 'chat.completion.chunk', created: this.options.created, model: this.options.model }
  }

  private chunk(index: number, delta: JsonObject, finishReason: string | null = null): string {
    const choice: Json = { index, delta, logprobs: null, finish_reason: finishReason }
    const chunk: JsonObject = { ...this.envelope(), choices: [choice] }
    // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
    if (this.options.includeUsage) chunk.usage = null
    return sse(chunk)
  }
}
