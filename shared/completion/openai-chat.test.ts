import { describe, expect, it } from 'vitest'
import { ChatStreamAccumulator, completionFromChatJson } from './openai-chat.ts'

const created = 1741569952

describe('completionFromChatJson', () => {
  it('reads a text completion: id, served model, output, finish reason and usage', () => {
    // The example response of the OpenAI Chat Completions reference.
    const result = completionFromChatJson({
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      object: 'chat.completion',
      created,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello! How can I assist you today?', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 19,
        completion_tokens: 10,
        total_tokens: 29,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
      },
      service_tier: 'default',
    })
    expect(result).toEqual({
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Hello! How can I assist you today?' }] }],
      stopReason: 'stop',
      usage: {
        inputTokens: 19,
        outputTokens: 10,
        cacheReadTokens: 0,
        reasoningTokens: 0,
        cacheReportingExclusive: false,
      },
    })
  })

  it('keeps tool calls with their arguments exactly as the upstream sent them', () => {
    const args = '{"location":"Boston, MA", "unit": "celsius"}'
    const result = completionFromChatJson({
      id: 'chatcmpl-abc123',
      model: 'gpt-4o-2024-08-06',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: args } },
              { id: 'call_def456', type: 'function', function: { name: 'get_time', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    })
    expect(result.choices).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'function', id: 'call_abc123', function: { name: 'get_current_weather', arguments: args } },
          { type: 'function', id: 'call_def456', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
    ])
    expect(result.stopReason).toBe('tool_calls')
    expect(result.usage).toBeNull()
  })

  it('shows a refusal as text', () => {
    const result = completionFromChatJson({
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: "I'm sorry, I can't help with that." }, finish_reason: 'stop' }],
    })
    expect(result.choices[0]?.content).toEqual([{ type: 'text', text: "I'm sorry, I can't help with that." }])
  })

  it('keeps the text parts of content sent as an array of parts', () => {
    // Mistral's reasoning models answer with typed content parts.
    const result = completionFromChatJson({
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: [{ type: 'text', text: 'hidden' }] },
              { type: 'text', text: 'The answer ' },
              { type: 'text', text: 'is 4.' },
            ],
          },
          finish_reason: 'stop',
        },
      ],
    })
    expect(result.choices[0]?.content).toEqual([{ type: 'text', text: 'The answer is 4.' }])
  })

  it('orders several choices by index and reports the finish reason of choice 0', () => {
    const result = completionFromChatJson({
      choices: [
        { index: 1, message: { role: 'assistant', content: 'second' }, finish_reason: 'length' },
        { index: 0, message: { role: 'assistant', content: 'first' }, finish_reason: 'stop' },
      ],
    })
    expect(result.choices.map((c) => c.content)).toEqual([[{ type: 'text', text: 'first' }], [{ type: 'text', text: 'second' }]])
    expect(result.stopReason).toBe('stop')
  })

  it('gives an empty assistant message for a choice without content or tool calls', () => {
    const result = completionFromChatJson({ choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'length' }] })
    expect(result.choices).toEqual([{ role: 'assistant', content: [] }])
  })

  it('returns an empty result for a body that is not a completion', () => {
    const empty = { id: null, model: null, choices: [], stopReason: null, usage: null }
    for (const body of [null, 'oops', [], { error: { message: 'bad' } }]) expect(completionFromChatJson(body)).toEqual(empty)
  })
})

/** A `chat.completion.chunk` as OpenAI streams it. */
function chunk(choices: unknown[], extra: Record<string, unknown> = {}) {
  return { id: 'chatcmpl-stream1', object: 'chat.completion.chunk', created, model: 'gpt-4o-mini-2024-07-18', choices, ...extra }
}

const usageChunk = chunk([], {
  usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 0 } },
})

describe('ChatStreamAccumulator', () => {
  it('merges text deltas and takes usage from the usage-only chunk', () => {
    const acc = new ChatStreamAccumulator()
    acc.add(chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, finish_reason: null }], { usage: null }))
    acc.add(chunk([{ index: 0, delta: { content: 'Hello' }, finish_reason: null }], { usage: null }))
    acc.add(chunk([{ index: 0, delta: { content: ' there!' }, finish_reason: null }], { usage: null }))
    acc.add(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], { usage: null }))
    acc.add(usageChunk)
    expect(acc.result()).toEqual({
      id: 'chatcmpl-stream1',
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Hello there!' }] }],
      stopReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 7, cacheReadTokens: 0, cacheReportingExclusive: false },
    })
  })

  it('assembles parallel tool calls from their deltas by tool-call index', () => {
    const acc = new ChatStreamAccumulator()
    const call = (index: number, fn: Record<string, string>, id?: string) => ({
      index,
      ...(id ? { id, type: 'function' } : {}),
      function: fn,
    })
    acc.add(chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [call(0, { name: 'get_weather', arguments: '' }, 'call_A')] } }]))
    acc.add(chunk([{ index: 0, delta: { tool_calls: [call(0, { arguments: '{"city":' })] } }]))
    acc.add(chunk([{ index: 0, delta: { tool_calls: [call(1, { name: 'get_time', arguments: '' }, 'call_B')] } }]))
    acc.add(chunk([{ index: 0, delta: { tool_calls: [call(1, { arguments: '{"tz":"CET"}' })] } }]))
    acc.add(chunk([{ index: 0, delta: { tool_calls: [call(0, { arguments: '"Paris"}' })] } }]))
    acc.add(chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]))
    const result = acc.result()
    expect(result.choices).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'function', id: 'call_A', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { type: 'function', id: 'call_B', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
        ],
      },
    ])
    expect(result.stopReason).toBe('tool_calls')
    expect(result.usage).toBeNull()
  })

  it('keeps the first id and name when a host repeats them in every delta', () => {
    const acc = new ChatStreamAccumulator()
    const delta = (args: string) => ({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'lookup', arguments: args } }] })
    acc.add(chunk([{ index: 0, delta: delta('{"q":') }]))
    acc.add(chunk([{ index: 0, delta: delta('"x"}') }]))
    expect(acc.result().choices[0]?.content).toEqual([{ type: 'function', id: 'call_1', function: { name: 'lookup', arguments: '{"q":"x"}' } }])
  })

  it('keeps each choice apart when n > 1 interleaves them', () => {
    const acc = new ChatStreamAccumulator()
    acc.add(chunk([{ index: 1, delta: { content: 'B1' } }, { index: 0, delta: { content: 'A1' } }]))
    acc.add(chunk([{ index: 0, delta: { content: 'A2' }, finish_reason: 'stop' }]))
    acc.add(chunk([{ index: 1, delta: { content: 'B2' }, finish_reason: 'length' }]))
    const result = acc.result()
    expect(result.choices.map((c) => c.content)).toEqual([[{ type: 'text', text: 'A1A2' }], [{ type: 'text', text: 'B1B2' }]])
    expect(result.stopReason).toBe('stop')
  })

  it('returns what arrived when the stream is cut mid-way', () => {
    const acc = new ChatStreamAccumulator()
    acc.add(chunk([{ index: 0, delta: { role: 'assistant', content: 'Once upon' } }]))
    acc.add(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_X', function: { name: 'save', arguments: '{"ti' } }] } }]))
    expect(acc.result()).toEqual({
      id: 'chatcmpl-stream1',
      model: 'gpt-4o-mini-2024-07-18',
      choices: [
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Once upon' },
            { type: 'function', id: 'call_X', function: { name: 'save', arguments: '{"ti' } },
          ],
        },
      ],
      stopReason: null,
      usage: null,
    })
    // More chunks after a look at the partial result still merge.
    acc.add(chunk([{ index: 0, delta: { content: ' a time' }, finish_reason: 'stop' }]))
    expect(acc.result().choices[0]?.content[0]).toEqual({ type: 'text', text: 'Once upon a time' })
  })

  it('gives an empty result before any chunk, and ignores chunks that are not objects', () => {
    const acc = new ChatStreamAccumulator()
    acc.add(null)
    acc.add('[DONE]')
    expect(acc.result()).toEqual({ id: null, model: null, choices: [], stopReason: null, usage: null })
  })

  it('keeps the first id and model even if later chunks lack or change them', () => {
    const acc = new ChatStreamAccumulator()
    acc.add({ choices: [{ index: 0, delta: { role: 'assistant' } }] })
    acc.add({ id: 'gen-123', model: 'openai/gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Hi' } }] })
    acc.add({ id: 'gen-456', model: 'other', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })
    const result = acc.result()
    expect([result.id, result.model]).toEqual(['gen-123', 'openai/gpt-4o-mini'])
  })

  it('gives an empty assistant message for a choice that only finished', () => {
    const acc = new ChatStreamAccumulator()
    acc.add(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: 'content_filter' }]))
    expect(acc.result().choices).toEqual([{ role: 'assistant', content: [] }])
    expect(acc.result().stopReason).toBe('content_filter')
  })

  it('reads OpenRouter stream usage with its billed cost', () => {
    const acc = new ChatStreamAccumulator()
    acc.add({ id: 'gen-1', model: 'anthropic/claude-sonnet-4.5', choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }] })
    acc.add({
      id: 'gen-1',
      model: 'anthropic/claude-sonnet-4.5',
      choices: [],
      usage: { prompt_tokens: 100, completion_tokens: 2, total_tokens: 102, cost: 0.00033, prompt_tokens_details: { cached_tokens: 0 } },
    })
    expect(acc.result().usage).toMatchObject({ inputTokens: 100, outputTokens: 2, billedCostUsd: 0.00033 })
  })

  it('reads Groq usage sent under x_groq in the last chunk', () => {
    const acc = new ChatStreamAccumulator()
    acc.add({
      id: 'chatcmpl-g',
      model: 'llama-3.1-8b-instant',
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      x_groq: { id: 'req_01', usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 } },
    })
    expect(acc.result().usage).toMatchObject({ inputTokens: 40, outputTokens: 9 })
  })

  it('says which chunks carried output, so the first one marks the time to first token', () => {
    const acc = new ChatStreamAccumulator()
    expect(acc.add(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]))).toBe(false)
    expect(acc.add(chunk([{ index: 0, delta: { content: 'Hi' }, finish_reason: null }]))).toBe(true)
    expect(acc.add(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '' } }] } }]))).toBe(true)
    expect(acc.add(chunk([{ index: 0, delta: { refusal: 'No.' }, finish_reason: null }]))).toBe(true)
    expect(acc.add(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]))).toBe(false)
    expect(acc.add(usageChunk)).toBe(false)
  })
})
