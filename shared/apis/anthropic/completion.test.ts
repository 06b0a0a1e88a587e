import { describe, expect, it } from 'vitest'
import { completionFromMessagesJson } from './completion.ts'

describe('completionFromMessagesJson', () => {
  it('reads a text answer (Messages API docs example)', () => {
    const body = {
      content: [{ text: 'Hi! My name is Claude.', type: 'text' }],
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      model: 'claude-sonnet-4-5-20250929',
      role: 'assistant',
      stop_reason: 'end_turn',
      stop_sequence: null,
      type: 'message',
      usage: { input_tokens: 2095, output_tokens: 503 },
    }
    expect(completionFromMessagesJson(body)).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Hi! My name is Claude.' }] }],
      stopReason: 'end_turn',
      usage: { inputTokens: 2095, outputTokens: 503, cacheReportingExclusive: true },
    })
  })

  it('turns tool_use blocks into function parts with the input as a JSON string, after the text', () => {
    const body = {
      id: 'msg_01Aq9w938a90dw8q',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: 'tool_use',
      stop_sequence: null,
      content: [
        { type: 'text', text: "I'll check the current weather in San Francisco for you." },
        {
          type: 'tool_use',
          id: 'toolu_01A09q90qw90lq917835lq9',
          name: 'get_weather',
          input: { location: 'San Francisco, CA', unit: 'celsius' },
        },
      ],
      usage: { input_tokens: 472, output_tokens: 89 },
    }
    const result = completionFromMessagesJson(body)
    expect(result.choices).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: "I'll check the current weather in San Francisco for you." },
          {
            type: 'function',
            id: 'toolu_01A09q90qw90lq917835lq9',
            function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
          },
        ],
      },
    ])
    expect(result.stopReason).toBe('tool_use')
  })

  it('leaves thinking blocks out of the output', () => {
    const body = {
      id: 'msg_01Thinking',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'thinking', thinking: 'Let me analyze this step by step...', signature: 'WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve/op91XWHOEBLLqIOMfFG/UvLEczmEsUjavL....' },
        { type: 'text', text: 'Based on my analysis...' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 50, output_tokens: 400 },
    }
    expect(completionFromMessagesJson(body).choices).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'Based on my analysis...' }] },
    ])
  })

  it('has no choice when the message has no output', () => {
    const body = { id: 'msg_1', model: 'claude-haiku-4-5', content: [], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 0 } }
    expect(completionFromMessagesJson(body).choices).toEqual([])
  })

  it('reads an error body or garbage as an empty result', () => {
    const error = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }
    for (const body of [error, null, 'oops', 42]) {
      expect(completionFromMessagesJson(body)).toEqual({ id: null, model: null, choices: [], stopReason: null, usage: null })
    }
  })
})
