import { describe, expect, it } from 'vitest'
import { finishReasonFromAnthropic, messagesToChatCompletion } from './response.ts'

const created = 1_760_000_000

describe('messagesToChatCompletion', () => {
  it('turns a text answer into an OpenAI chat.completion', () => {
    const message = {
      content: [{ text: 'Hi! My name is Claude.', type: 'text' }],
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      model: 'claude-sonnet-4-5-20250929',
      role: 'assistant',
      stop_reason: 'end_turn',
      stop_sequence: null,
      type: 'message',
      usage: { input_tokens: 2095, output_tokens: 503 },
    }
    expect(messagesToChatCompletion(message, created)).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created,
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi! My name is Claude.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598, prompt_tokens_details: { cached_tokens: 0 } },
    })
  })

  it('turns tool_use blocks into tool_calls with JSON string arguments', () => {
    const message = {
      id: 'msg_01Aq9w938a90dw8q',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: 'tool_use',
      content: [
        { type: 'text', text: "I'll check the current weather in San Francisco for you." },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
      ],
      usage: { input_tokens: 472, output_tokens: 89 },
    }
    const choice = (messagesToChatCompletion(message, created).choices as unknown[])[0]
    expect(choice).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the current weather in San Francisco for you.",
        tool_calls: [
          {
            id: 'toolu_01A09q90qw90lq917835lq9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
          },
        ],
        refusal: null,
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    })
  })

  it('has null content when the answer has no text, and leaves thinking out', () => {
    const message = {
      id: 'msg_01',
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: 'tool_use',
      content: [
        { type: 'thinking', thinking: 'The user wants the time.', signature: 'EqQBCgIYAhIM' },
        { type: 'tool_use', id: 'toolu_01', name: 'get_time', input: {} },
      ],
      usage: { input_tokens: 10, output_tokens: 20 },
    }
    const { message: chatMessage } = (messagesToChatCompletion(message, created).choices as { message: unknown }[])[0]!
    expect(chatMessage).toMatchObject({ content: null, tool_calls: [{ function: { name: 'get_time', arguments: '{}' } }] })
  })

  it('counts cached tokens inside prompt_tokens', () => {
    const message = {
      id: 'msg_02',
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Summary…' }],
      usage: { input_tokens: 21, cache_creation_input_tokens: 188086, cache_read_input_tokens: 0, output_tokens: 393 },
    }
    expect(messagesToChatCompletion(message, created).usage).toEqual({
      prompt_tokens: 188107,
      completion_tokens: 393,
      total_tokens: 188500,
      prompt_tokens_details: { cached_tokens: 0 },
    })
  })
})

describe('finishReasonFromAnthropic', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['a_reason_added_later', 'stop'],
  ])('maps %s to %s', (stopReason, finishReason) => {
    expect(finishReasonFromAnthropic(stopReason)).toBe(finishReason)
  })

  it('is null while there is no stop reason', () => {
    expect(finishReasonFromAnthropic(null)).toBeNull()
    expect(finishReasonFromAnthropic(undefined)).toBeNull()
  })
})
