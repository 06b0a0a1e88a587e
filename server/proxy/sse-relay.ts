import type { StreamAccumulator, StreamTranslator } from '../../shared/apis/types.ts'
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

export interface SseRelayOptions {
  /** Merges the upstream's events (in the upstream's format) for the event. */
  accumulator: StreamAccumulator
  /** When set, the client gets the translator's output instead of the upstream's bytes. */
  translator?: StreamTranslator
  /** Upstream events left out of a passed-through stream (the usage chunk only the proxy asked for). */
  drop?: (data: unknown) => boolean
  /** Framed SSE event, in the client's format, that ends a stream whose upstream connection broke. */
  midStreamError: string
  /**
   * Called once, when the stream ends in any way. When the stream ends on the upstream's side, the client's
   * stream closes only once the returned promise settled (the event is safe from a crash by then).
   */
  onEnd: (summary: StreamSummary) => Promise<void> | void
  /** Aborts the upstream request. */
  cancelUpstream: (reason: string) => void
}

/**
 * Relays an upstream SSE stream chunk by chunk, never buffering it whole, while merging its events into
 * a completion for the event. Passed through, bytes go out untouched unless an event has to be dropped;
 * translated, each upstream event goes out as the translator's events as soon as it is complete.
 */
export function relaySse(upstream: ReadableStream<Uint8Array>, options: SseRelayOptions): ReadableStream<Uint8Array> {
  const { accumulator, translator, drop } = options
  const reader = upstream.getReader()
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  const splitter = new SseSplitter()
  let lastByteAt = performance.now()
  let firstTokenAt: number | null = null
  let ended = false
  const finish = async (end: StreamEnd) => {
    if (ended) return
    ended = true
    await options.onEnd({ end, completion: accumulator.result(), lastByteAt, firstTokenAt })
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // A pull must enqueue or close: a read that yields nothing to send (a held partial event, a
      // dropped event) reads on, or the client's pending read would wait forever.
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>
        try {
          chunk = await reader.read()
        } catch {
          // Tell the client in the stream itself: SDKs raise an error for an error event.
          controller.enqueue(encoder.encode(options.midStreamError))
          await finish({ kind: 'failed', reason: 'upstream connection lost mid-stream' })
          controller.close()
          return
        }
        if (chunk.done) {
          const rest = splitter.rest + decoder.decode()
          const tail = translator ? translator.end() : drop && rest !== '' ? rest : ''
          if (tail !== '') controller.enqueue(encoder.encode(tail))
          // Recorded before the client sees the end, so an answered stream's event is spooled (kill -9).
          await finish({ kind: 'done' })
          controller.close()
          return
        }
        lastByteAt = performance.now()
        const heldBefore = splitter.rest !== ''
        const events = splitter.push(decoder.decode(chunk.value, { stream: true }))
        let out = ''
        let dropped = false
        for (const event of events) {
          const data = parseData(event.data)
          if (data !== undefined) {
            if (accumulator.add(data, event.event) && firstTokenAt === null) firstTokenAt = lastByteAt
            if (translator) {
              out += translator.push(data, event.event)
              continue
            }
            if (drop?.(data)) {
              dropped = true
              continue
            }
          }
          if (!translator) out += event.raw
        }
        if (!translator && (!drop || (!dropped && !heldBefore && splitter.rest === ''))) {
          controller.enqueue(chunk.value)
          return
        }
        if (out !== '') {
          // Only whole events go out while an event may still have to be dropped or translated.
          controller.enqueue(encoder.encode(out))
          return
        }
      }
    },
    cancel() {
      void finish({ kind: 'cancelled' })
      options.cancelUpstream('client closed the connection')
      reader.cancel().catch(() => {})
    },
  })
}

function parseData(data: string | null): unknown {
  if (data === null || data === '[DONE]') return undefined
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}
