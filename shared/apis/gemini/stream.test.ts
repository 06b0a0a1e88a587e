import { describe, expect, it } from 'vitest'
import { SseSplitter } from '../../sse/index.ts'
import type { StreamAccumulator } from '../types.ts'
import { GenerateContentStreamAccumulator } from './stream.ts'

/** Feeds raw SSE text, as it arrives from Gemini, through the splitter into the accumulator. */
function feed(acc: StreamAccumulator, ...pieces: string[]): boolean[] {
  const splitter = new SseSplitter()
  const outputs: boolean[] = []
  for (const piece of pieces) {
    for (const event of splitter.push(piece)) {
      if (event.data !== null) outputs.push(acc.add(JSON.parse(event.data), null))
    }
  }
  return outputs
}

const chunk = (body: object) => `data: ${JSON.stringify(body)}\r\n\r\n`
const meta = { modelVersion: 'gemini-2.5-flash', responseId: 'RN3FaJ2hEbSvz7IP6Ma6kAQ' }

describe('GenerateContentStreamAccumulator', () => {
  it('merges a streamed answer split across events and network reads', () => {
    const acc = new GenerateContentStreamAccumulator()
    const events = [
      chunk({
        candidates: [{ content: { parts: [{ text: 'The sky is blue because' }], role: 'model' }, index: 0 }],
        usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 },
        ...meta,
      }),
      chunk({
        candidates: [{ content: { parts: [{ text: ' of Rayleigh scattering.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 9, totalTokenCount: 16 },
        ...meta,
      }),
    ].join('')
    // Network reads do not follow event boundaries.
    const outputs = feed(acc, events.slice(0, 40), events.slice(40, 250), events.slice(250))
    expect(outputs).toEqual([true, true])
    expect(acc.result()).toEqual({
      id: 'RN3FaJ2hEbSvz7IP6Ma6kAQ',
      model: 'gemini-2.5-flash',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'The sky is blue because of Rayleigh scattering.' }] }],
      stopReason: 'STOP',
      usage: { inputTokens: 7, outputTokens: 9, cacheReportingExclusive: false },
    })
  })

  it('collects whole function calls and does not count thoughts as output', () => {
    const acc = new GenerateContentStreamAccumulator()
    const outputs = feed(
      acc,
      chunk({
        candidates: [{ content: { parts: [{ text: '**Checking the weather**', thought: true }], role: 'model' }, index: 0 }],
        usageMetadata: { promptTokenCount: 40, totalTokenCount: 40 },
        ...meta,
      }),
      chunk({
        candidates: [
          {
            content: {
              parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: 'CsQBAdHtim' }],
              role: 'model',
            },
            index: 0,
          },
        ],
        ...meta,
      }),
      chunk({
        candidates: [
          { content: { parts: [{ functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } }], role: 'model' }, finishReason: 'STOP', index: 0 },
        ],
        usageMetadata: { promptTokenCount: 40, candidatesTokenCount: 30, thoughtsTokenCount: 60, totalTokenCount: 130 },
        ...meta,
      }),
    )
    expect(outputs).toEqual([false, true, true])
    const result = acc.result()
    expect(result.choices).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { type: 'function', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } },
        ],
      },
    ])
    expect(result.usage).toEqual({ inputTokens: 40, outputTokens: 30, reasoningTokens: 60, reasoningReportingExclusive: true, cacheReportingExclusive: false })
  })

  it('keeps candidates apart by index', () => {
    const acc = new GenerateContentStreamAccumulator()
    feed(
      acc,
      chunk({
        candidates: [
          { content: { parts: [{ text: 'Red' }], role: 'model' }, index: 0 },
          { content: { parts: [{ text: 'Blue' }], role: 'model' }, index: 1 },
        ],
      }),
      chunk({
        candidates: [
          { content: { parts: [{ text: ' wine' }], role: 'model' }, finishReason: 'STOP', index: 1 },
          { content: { parts: [{ text: ' sky' }], role: 'model' }, finishReason: 'MAX_TOKENS', index: 0 },
        ],
      }),
    )
    const result = acc.result()
    expect(result.choices.map((c) => c.content)).toEqual([[{ type: 'text', text: 'Red sky' }], [{ type: 'text', text: 'Blue wine' }]])
    expect(result.stopReason).toBe('MAX_TOKENS')
  })

  it('returns what arrived when the stream is cut', () => {
    const acc = new GenerateContentStreamAccumulator()
    feed(
      acc,
      chunk({
        candidates: [{ content: { parts: [{ text: 'Once upon' }], role: 'model' }, index: 0 }],
        usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 },
        ...meta,
      }),
      // The next event never completes.
      'data: {"candidates": [{"content": {"parts": [{"text": " a ti',
    )
    expect(acc.result()).toMatchObject({
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Once upon' }] }],
      stopReason: null,
    })
  })

  it('reports a prompt blocked before any candidate', () => {
    const acc = new GenerateContentStreamAccumulator()
    const outputs = feed(
      acc,
      chunk({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, ...meta }),
    )
    expect(outputs).toEqual([false])
    expect(acc.result()).toMatchObject({ choices: [], stopReason: 'SAFETY' })
  })

  it('ignores events that are not objects', () => {
    const acc = new GenerateContentStreamAccumulator()
    expect(acc.add('[DONE]')).toBe(false)
    expect(acc.add(null)).toBe(false)
    expect(acc.result()).toEqual({ id: null, model: null, choices: [], stopReason: null, usage: null })
  })
})
