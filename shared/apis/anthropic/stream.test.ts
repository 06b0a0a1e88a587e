import { describe, expect, it } from 'vitest'
import { ERROR_STREAM, readEvents, TEXT_STREAM, THINKING_STREAM, TOOL_STREAM } from './fixtures.ts'
import { MessagesStreamAccumulator } from './stream.ts'

function accumulate(sse: string) {
  const acc = new MessagesStreamAccumulator()
  const outputEvents = readEvents(sse).map(({ event, data }) => acc.add(data, event))
  return { acc, outputEvents }
}

describe('MessagesStreamAccumulator', () => {
  it('merges text deltas and takes id, model, stop reason and usage from message_start and message_delta', () => {
    const { acc } = accumulate(TEXT_STREAM)
    expect(acc.result()).toEqual({
      id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] }],
      stopReason: 'end_turn',
      // input from message_start; the final output count from message_delta replaces the placeholder 1.
      usage: { inputTokens: 25, outputTokens: 15, cacheReportingExclusive: true },
    })
  })

  it('gives the same result however the stream is split into network chunks', () => {
    const whole = accumulate(TEXT_STREAM).acc.result()
    for (const size of [1, 3, 64, 100_000]) {
      const acc = new MessagesStreamAccumulator()
      for (const { event, data } of readEvents(TEXT_STREAM, size)) acc.add(data, event)
      expect(acc.result()).toEqual(whole)
    }
  })

  it('marks only events carrying text or a tool call as output', () => {
    const { outputEvents } = accumulate(TEXT_STREAM)
    // message_start, content_block_start (empty text), ping, "Hello", "!", stop, message_delta, message_stop
    expect(outputEvents).toEqual([false, false, false, true, true, false, false, false])
  })

  it('merges input_json_delta fragments per block into one function part after the text', () => {
    const { acc, outputEvents } = accumulate(TOOL_STREAM)
    expect(acc.result().choices).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: "Okay, let's check the weather for San Francisco, CA:" },
          {
            type: 'function',
            id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
            // Re-serialised, so a streamed call reads exactly as the same call answered without streaming.
            function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"fahrenheit"}' },
          },
        ],
      },
    ])
    expect(acc.result().stopReason).toBe('tool_use')
    expect(acc.result().usage).toEqual({ inputTokens: 472, outputTokens: 89, cacheReportingExclusive: true })
    // The tool_use block start counts as output, the empty first fragment does not.
    const toolStart = readEvents(TOOL_STREAM).findIndex((e) => (e.data as { content_block?: { type?: string } }).content_block?.type === 'tool_use')
    expect(outputEvents[toolStart]).toBe(true)
    expect(outputEvents[toolStart + 1]).toBe(false)
    expect(outputEvents[toolStart + 2]).toBe(true)
  })

  it('keeps the raw fragments of a tool call whose stream was cut mid-way', () => {
    const events = readEvents(TOOL_STREAM)
    const cut = events.findIndex((e) => JSON.stringify(e.data).includes('"partial_json":" Francisc"'))
    const acc = new MessagesStreamAccumulator()
    for (const { event, data } of events.slice(0, cut + 1)) acc.add(data, event)
    const result = acc.result()
    expect(result.choices[0]?.content[1]).toEqual({
      type: 'function',
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      function: { name: 'get_weather', arguments: '{"location": "San Francisc' },
    })
    expect(result.stopReason).toBeNull()
    expect(result.usage).toEqual({ inputTokens: 472, outputTokens: 2, cacheReportingExclusive: true })
  })

  it('gives a tool call without input fragments its start input', () => {
    const acc = new MessagesStreamAccumulator()
    acc.add({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_01Now', name: 'get_time', input: {} } }, 'content_block_start')
    acc.add({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } }, 'content_block_delta')
    expect(acc.result().choices[0]?.content).toEqual([
      { type: 'function', id: 'toolu_01Now', function: { name: 'get_time', arguments: '{}' } },
    ])
  })

  it('leaves thinking out of the output and does not count it as output', () => {
    const { acc, outputEvents } = accumulate(THINKING_STREAM)
    expect(acc.result().choices).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'The greatest common divisor (GCD) of 1071 and 462 is **21**.' }] },
    ])
    expect(outputEvents.filter(Boolean)).toHaveLength(1)
    expect(acc.result().usage).toEqual({
      inputTokens: 49,
      outputTokens: 120,
      cacheWriteTokens: 0,
      cacheReadTokens: 0,
      cacheReportingExclusive: true,
    })
  })

  it('merges usage field by field: a later non-null value wins, a null one keeps the earlier value', () => {
    const acc = new MessagesStreamAccumulator()
    acc.add(
      {
        type: 'message_start',
        message: {
          id: 'msg_01Cached',
          model: 'claude-sonnet-4-5-20250929',
          usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 1800, output_tokens: 1 },
        },
      },
      'message_start',
    )
    // Newer API versions repeat the cumulative input counts in message_delta.
    acc.add(
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { input_tokens: 12, cache_creation_input_tokens: 64, cache_read_input_tokens: null, output_tokens: 30 },
      },
      'message_delta',
    )
    expect(acc.result().usage).toEqual({
      inputTokens: 12,
      outputTokens: 30,
      cacheReadTokens: 1800,
      cacheWriteTokens: 64,
      cacheReportingExclusive: true,
    })
  })

  it('keeps what arrived before an error event', () => {
    const { acc } = accumulate(ERROR_STREAM)
    expect(acc.result()).toEqual({
      id: 'msg_01Overloaded0000000000',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Once upon' }] }],
      stopReason: null,
      usage: { inputTokens: 25, outputTokens: 1, cacheReportingExclusive: true },
    })
    expect(acc.error()).toEqual({ message: 'Overloaded', type: 'overloaded_error', code: null })
  })

  it('reports no failure for a stream that ended well', () => {
    expect(accumulate(TEXT_STREAM).acc.error()).toBeNull()
  })

  it('reads the event type from the data, or from the event name when the data has none', () => {
    const acc = new MessagesStreamAccumulator()
    expect(acc.add({ index: 0, delta: { type: 'text_delta', text: 'Hi' } }, 'content_block_delta')).toBe(true)
    expect(acc.result().choices[0]?.content).toEqual([{ type: 'text', text: 'Hi' }])
  })

  it('ignores what it cannot read and returns an empty result for an empty stream', () => {
    const acc = new MessagesStreamAccumulator()
    expect(acc.add(null, null)).toBe(false)
    expect(acc.add('[DONE]', null)).toBe(false)
    expect(acc.add({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'no index' } }, null)).toBe(false)
    expect(acc.result()).toEqual({ id: null, model: null, choices: [], stopReason: null, usage: null })
  })
})
