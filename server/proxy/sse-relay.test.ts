import { describe, expect, it, vi } from 'vitest'
import type { StreamTranslator } from '../../shared/apis/types.ts'
import { ChatStreamAccumulator } from '../../shared/completion/openai-chat.ts'
import { relaySse, type SseRelayOptions, type StreamSummary } from './sse-relay.ts'

const encoder = new TextEncoder()
const chunk = (delta: object, extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta, finish_reason: null }], usage: null, ...extra })}\n\n`
const usageChunk = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } })}\n\n`
const SSE = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hi' }), chunk({ content: ' there' }), usageChunk, 'data: [DONE]\n\n'].join('')

/** An upstream body delivering `text` in pieces cut at the given byte offsets. */
function upstream(text: string, cuts: number[]): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text)
  const bounds = [0, ...cuts, bytes.length]
  let i = 0
  return new ReadableStream({
    pull(controller) {
      if (i + 1 >= bounds.length) return controller.close()
      controller.enqueue(bytes.slice(bounds[i], bounds[i + 1]))
      i++
    },
  })
}

const MID_STREAM_ERROR = 'data: {"error":{"code":"upstream_disconnected"}}\n\n'
const usageOnly = (data: unknown) => (data as { choices?: unknown[] }).choices?.length === 0

async function relay(body: ReadableStream<Uint8Array>, dropUsage: boolean, extra: Partial<SseRelayOptions> = {}) {
  let summary: StreamSummary | undefined
  const out = relaySse(body, {
    accumulator: new ChatStreamAccumulator(),
    drop: dropUsage ? usageOnly : undefined,
    midStreamError: MID_STREAM_ERROR,
    cancelUpstream: () => {},
    onEnd: (s) => {
      summary = s
    },
    ...extra,
  })
  const text = await new Response(out).text()
  return { text, summary: summary! }
}

describe('relaySse', () => {
  it('passes the stream through byte for byte when nothing is cut, and merges it for the event', async () => {
    const { text, summary } = await relay(upstream(SSE, [10, 100, 101, 250]), false)
    expect(text).toBe(SSE)
    expect(summary.end).toEqual({ kind: 'done' })
    expect(summary.completion.choices).toEqual([{ role: 'assistant', content: [{ type: 'text', text: 'Hi there' }] }])
    expect(summary.completion.usage).toMatchObject({ inputTokens: 5, outputTokens: 2 })
    expect(summary.firstTokenAt).not.toBeNull()
  })

  it('cuts only the usage-only chunk, however the bytes are split', async () => {
    const expected = SSE.replace(usageChunk, '')
    const usageStart = SSE.indexOf(usageChunk)
    for (const cuts of [[], [usageStart], [usageStart + 7], [usageStart - 3, usageStart + 20], Array.from({ length: SSE.length - 1 }, (_, i) => i + 1)]) {
      const { text, summary } = await relay(upstream(SSE, cuts), true)
      expect(text).toBe(expected)
      expect(summary.completion.usage).toMatchObject({ inputTokens: 5, outputTokens: 2 })
    }
  })

  it('keeps multi-byte characters whole across chunk boundaries', async () => {
    const sse = chunk({ content: 'héllo 👋' }) + 'data: [DONE]\n\n'
    const emoji = encoder.encode(sse).indexOf(0xf0)
    const { summary } = await relay(upstream(sse, [emoji + 1, emoji + 2]), true)
    expect(summary.completion.choices[0]?.content).toEqual([{ type: 'text', text: 'héllo 👋' }])
  })

  it('ends with an SSE error event and a failed summary when the upstream breaks', async () => {
    let sent = false
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error('socket hang up'))
        sent = true
        controller.enqueue(encoder.encode(chunk({ content: 'Hi' })))
      },
    })
    const { text, summary } = await relay(broken, true)
    expect(text).toContain('"code":"upstream_disconnected"')
    expect(summary.end).toMatchObject({ kind: 'failed' })
    expect(summary.completion.choices[0]?.content).toEqual([{ type: 'text', text: 'Hi' }])
  })

  it("closes the client's stream only once onEnd's promise settled (the event is spooled before the end)", async () => {
    let spooled!: () => void
    const spooling = new Promise<void>((resolve) => (spooled = resolve))
    let ended = false
    const out = relaySse(upstream(SSE, [5]), {
      accumulator: new ChatStreamAccumulator(),
      midStreamError: MID_STREAM_ERROR,
      cancelUpstream: () => {},
      onEnd: () => {
        ended = true
        return spooling
      },
    })
    const reader = out.getReader()
    let text = ''
    const decoder = new TextDecoder()
    const closed = (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value, { stream: true })
    })()
    await vi.waitFor(() => expect(ended).toBe(true))
    const stillOpen = new Promise((resolve) => setTimeout(() => resolve('open'), 50))
    expect(await Promise.race([closed.then(() => 'closed'), stillOpen])).toBe('open')
    expect(text).toBe(SSE) // every byte already relayed; only the close waits
    spooled()
    await closed
  })

  it('a client that goes away while the event is being written: no error, and the event keeps its done end', async () => {
    let spooled!: () => void
    const spooling = new Promise<void>((resolve) => (spooled = resolve))
    const summaries: StreamSummary[] = []
    const out = relaySse(upstream(SSE, [5]), {
      accumulator: new ChatStreamAccumulator(),
      midStreamError: MID_STREAM_ERROR,
      cancelUpstream: () => {},
      onEnd: (s) => {
        summaries.push(s)
        return spooling
      },
    })
    const reader = out.getReader()
    const reading = (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read());
    })()
    await vi.waitFor(() => expect(summaries).toHaveLength(1))
    await reader.cancel() // the client leaves while the relay waits on the write
    spooled()
    await reading
    await new Promise((resolve) => setTimeout(resolve, 20)) // a close() after cancel would reject the pull by now
    expect(summaries.map((s) => s.end.kind)).toEqual(['done'])
  })

  it('reports a cancelled stream and cancels the upstream when the client goes away', async () => {
    let cancelledUpstream = ''
    let summary: StreamSummary | undefined
    const out = relaySse(upstream(SSE, [100]), {
      accumulator: new ChatStreamAccumulator(),
      midStreamError: MID_STREAM_ERROR,
      cancelUpstream: (reason) => (cancelledUpstream = reason),
      onEnd: (s) => {
        summary = s
      },
    })
    const reader = out.getReader()
    await reader.read()
    await reader.cancel()
    expect(cancelledUpstream).toBe('client closed the connection')
    expect(summary?.end).toEqual({ kind: 'cancelled' })
  })

  it('translated, sends each upstream event as the translator renders it, whole, then what closes the stream', async () => {
    const seen: Array<string | null> = []
    const shouting: StreamTranslator = {
      push: (data, eventName) => {
        seen.push(eventName)
        const text = (data as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content
        return text ? `data: ${text.toUpperCase()}\n\n` : ''
      },
      end: () => 'data: [DONE]\n\n',
    }
    const named = SSE.replace(chunk({ content: 'Hi' }), `event: delta\n${chunk({ content: 'Hi' })}`)
    const { text, summary } = await relay(upstream(named, [5, 60, 61, 200]), false, { translator: shouting })
    expect(text).toBe('data: HI\n\ndata:  THERE\n\ndata: [DONE]\n\n')
    expect(seen).toContain('delta')
    // The event is built from the upstream's own events, whatever the client got.
    expect(summary.completion.choices[0]?.content).toEqual([{ type: 'text', text: 'Hi there' }])
  })
})
