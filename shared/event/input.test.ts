import { describe, expect, it } from 'vitest'
import type { Json } from '../types.ts'
import { inputFromChatRequest, modelParametersFromChatRequest } from './input.ts'

describe('inputFromChatRequest', () => {
  it('returns the messages exactly as sent, system message included', () => {
    const messages: Json[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
    ]
    expect(inputFromChatRequest({ model: 'gpt-4o', messages })).toEqual(messages)
  })

  it('returns [] when messages are missing or not a list', () => {
    expect(inputFromChatRequest({ model: 'gpt-4o' })).toEqual([])
    expect(inputFromChatRequest({ model: 'gpt-4o', messages: 'hello' })).toEqual([])
  })
})

describe('modelParametersFromChatRequest', () => {
  it('copies the known generation parameters and nothing else', () => {
    const body = {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      user: 'u1',
      tools: [{ type: 'function', function: { name: 'f' } }],
      temperature: 0.3,
      max_tokens: 100,
      max_completion_tokens: 200,
      top_p: 0.9,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      n: 2,
      stop: ['\n'],
      stream: true,
      seed: 42,
      response_format: { type: 'json_object' },
      service_tier: 'flex',
      reasoning_effort: 'low',
      tool_choice: 'auto',
      parallel_tool_calls: false,
      stream_options: { include_usage: true },
    }
    expect(modelParametersFromChatRequest(body)).toEqual({
      temperature: 0.3,
      max_tokens: 100,
      max_completion_tokens: 200,
      top_p: 0.9,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      n: 2,
      stop: ['\n'],
      stream: true,
      seed: 42,
      response_format: { type: 'json_object' },
      service_tier: 'flex',
      reasoning_effort: 'low',
      tool_choice: 'auto',
      parallel_tool_calls: false,
    })
  })

  it('omits absent parameters (no made-up defaults) and keeps falsy ones the client set', () => {
    expect(modelParametersFromChatRequest({ model: 'gpt-4o', messages: [] })).toEqual({})
    expect(modelParametersFromChatRequest({ temperature: 0, stream: false })).toEqual({ temperature: 0, stream: false })
  })
})
