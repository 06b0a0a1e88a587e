import { describe, expect, it } from 'vitest'
import type { Json, JsonObject } from '../../types.ts'
import { summarizeMessagesRequest, userFromMessagesRequest } from './request.ts'

// The tool-use request of Anthropic's docs, with a system prompt in text blocks and a tool result turn.
const weatherTool: JsonObject = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: {
    type: 'object',
    properties: { location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' } },
    required: ['location'],
  },
}
const conversation: Json[] = [
  { role: 'user', content: 'What is the weather like in San Francisco?' },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: "I'll check the current weather in San Francisco for you." },
      { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } },
    ],
  },
  {
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' }],
  },
]

describe('summarizeMessagesRequest', () => {
  it('puts a string system prompt first as a system message and keeps the messages as sent', () => {
    const body: JsonObject = {
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      system: 'You are a meteorologist.',
      messages: conversation,
    }
    expect(summarizeMessagesRequest(body).input).toEqual([
      { role: 'system', content: 'You are a meteorologist.' },
      ...conversation,
    ])
  })

  it('keeps a system prompt given as text blocks (cache_control included) as the system content', () => {
    const system: Json = [
      { type: 'text', text: 'You are an AI assistant tasked with analyzing literary works.' },
      { type: 'text', text: '<the entire contents of Pride and Prejudice>', cache_control: { type: 'ephemeral' } },
    ]
    const body: JsonObject = { model: 'claude-sonnet-4-5', max_tokens: 1024, system, messages: conversation.slice(0, 1) }
    expect(summarizeMessagesRequest(body).input).toEqual([{ role: 'system', content: system }, conversation[0]])
  })

  it('has no system message when the system prompt is absent or empty', () => {
    expect(summarizeMessagesRequest({ model: 'm', max_tokens: 5, messages: conversation }).input).toEqual(conversation)
    expect(summarizeMessagesRequest({ model: 'm', max_tokens: 5, system: '', messages: conversation }).input).toEqual(conversation)
  })

  it('reads a body without messages as an empty conversation', () => {
    expect(summarizeMessagesRequest({ model: 'm', system: 'Be brief.' }).input).toEqual([{ role: 'system', content: 'Be brief.' }])
    expect(summarizeMessagesRequest({ model: 'm', messages: 'hello' }).input).toEqual([])
  })

  it('reports the tools as sent, or null without tools', () => {
    const body: JsonObject = { model: 'm', max_tokens: 5, messages: conversation, tools: [weatherTool] }
    expect(summarizeMessagesRequest(body).tools).toEqual([weatherTool])
    expect(summarizeMessagesRequest({ model: 'm', max_tokens: 5, messages: conversation }).tools).toBeNull()
  })

  it('copies the generation parameters present, and nothing else', () => {
    const body: JsonObject = {
      model: 'claude-sonnet-4-5',
      max_tokens: 16000,
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['\n\nHuman:'],
      stream: true,
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 10000 },
      metadata: { user_id: 'user-42' },
      system: 'Be brief.',
      messages: conversation,
      tools: [weatherTool],
    }
    expect(summarizeMessagesRequest(body).modelParameters).toEqual({
      max_tokens: 16000,
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['\n\nHuman:'],
      stream: true,
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 10000 },
    })
    expect(summarizeMessagesRequest({ model: 'm', messages: [] }).modelParameters).toEqual({})
  })
})

describe('userFromMessagesRequest', () => {
  it('returns metadata.user_id as sent, for the caller to validate', () => {
    expect(userFromMessagesRequest({ metadata: { user_id: '13803d75-b4b5-4c3e-b2a2-6f21399b021b' } })).toBe(
      '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
    )
    expect(userFromMessagesRequest({ metadata: { user_id: 42 } })).toBe(42)
  })

  it('is undefined without metadata', () => {
    expect(userFromMessagesRequest({ model: 'm' })).toBeUndefined()
    expect(userFromMessagesRequest({ metadata: null })).toBeUndefined()
  })
})
