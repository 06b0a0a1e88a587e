import { ChatStreamAccumulator } from '../../shared/completion/openai-chat.ts'
import { SseSplitter } from '../../shared/sse/index.ts'
import type { CompletionResult } from '../../shared/types.ts'

export type StreamEnd =
  | { kind: 'done' }
  | { kind: 'cancelled' }
  | { kind: 'failed'; reason: string }

export interface StreamSummary {
  end: StreamEnd
  completion: CompletionResult
  /** performance.now() of the last upstream byte and of the first output token. */
  lastByteAt: number
  firstTokenAt: number | null
}

export interface ChatStreamOptions {
  /** Leave out the usage-only chunk: the client did not ask for it, the proxy did. */
  stripUsageChunk: boolean
  /** Called once, when the stream ends in any way. */
  onEnd: (summary: StreamSummary) => void
  /** Aborts the upstream request. */
  cancelUpstream: (reason: string) => void
}

const MID_STREAM_ERROR = `data: ${JSON.stringify({
  error: {
    message: 'The upstream connection was lost mid-stream; the answer is incomplete.',
    type: 'api_error',
    param: null,
    code: 'upstream_disconnected',
  },
})}\n\n`

/**
 * Relays an OpenAI Chat Completions SSE stream chunk by chunk, never buffering it whole, while
 * merging the chunks into a completion for the event. Bytes pass through untouched unless the
 * usage-only chunk has to be cut out.
 */
export function relayChatStream(upstream: ReadableStream<Uint8Array>, options: ChatStreamOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader()
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  const splitter = new SseSplitter()
  const accumulator = new ChatStreamAccumulator()
  let lastByteAt = performance.now()
  let firstTokenAt: number | null = null
  let ended = false
  const finish = (end: StreamEnd) => {
    if (ended) return
    ended = true
    options.onEnd({ end, completion: accumulator.result(), lastByteAt, firstTokenAt })
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // A pull must enqueue or close: a read that yields nothing to send (a held partial event, the
      // cut usage chunk) reads on, or the client's pending read would wait forever.
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>
        try {
          chunk = await reader.read()
        } catch {
          // Tell the client in the stream itself: SDKs raise an error for a `data: {"error":…}` event.
          controller.enqueue(encoder.encode(MID_STREAM_ERROR))
          controller.close()
          finish({ kind: 'failed', reason: 'upstream connection lost mid-stream' })
          return
        }
        if (chunk.done) {
          const rest = splitter.rest + decoder.decode()
          if (options.stripUsageChunk && rest !== '') controller.enqueue(encoder.encode(rest))
          controller.close()
          finish({ kind: 'done' })
          return
        }
        lastByteAt = performance.now()
        const heldBefore = splitter.rest !== ''
        const events = splitter.push(decoder.decode(chunk.value, { stream: true }))
        let kept = ''
        let dropped = false
        for (const event of events) {
          const parsed = parseChunk(event.data)
          if (parsed !== undefined) {
            accumulator.add(parsed)
            if (firstTokenAt === null && carriesOutput(parsed)) firstTokenAt = lastByteAt
            if (options.stripUsageChunk && isUsageOnly(parsed)) {
              dropped = true
              continue
            }
          }
          kept += event.raw
        }
        if (!options.stripUsageChunk || (!dropped && !heldBefore && splitter.rest === '')) {
          controller.enqueue(chunk.value)
          return
        }
        if (kept !== '') {
          // Only whole events go out while the usage chunk may still have to be cut.
          controller.enqueue(encoder.encode(kept))
          return
        }
      }
    },
    cancel() {
      finish({ kind: 'cancelled' })
      options.cancelUpstream('client closed the connection')
      reader.cancel().catch(() => {})
    },
  })
}

type Chunk = Record<string, unknown>

function parseChunk(data: string | null): Chunk | undefined {
  if (data === null || data === '[DONE]') return undefined
  try {
    const parsed: unknown = JSON.parse(data)
    return parsed !== null && typeof parsed === 'object' ? (parsed as Chunk) : undefined
  } catch {
    return undefined
  }
}

function isUsageOnly(chunk: Chunk): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null
}

function carriesOutput(chunk: Chunk): boolean {
  if (!Array.isArray(chunk.choices)) return false
  return chunk.choices.some((choice: { delta?: { content?: unknown; tool_calls?: unknown; refusal?: unknown } }) => {
    const delta = choice?.delta
    return Boolean(delta && (delta.content || delta.refusal || (Array.isArray(delta.tool_calls) && delta.tool_calls.length)))
  })
}
