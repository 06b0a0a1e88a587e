import { describe, expect, it } from 'vitest'
import type { Json } from '../../types.ts'
import { UntranslatableRequest } from '../chat.ts'
import { conversationFromChat } from './messages.ts'

function failure(messages: Json): { message: string; param: string } {
  try {
    conversationFromChat(messages)
  } catch (error) {
    if (error instanceof UntranslatableRequest) return { message: error.message, param: error.param }
    throw error
  }
  throw new Error('expected the translation to refuse the messages')
}

const weatherCall = {
  id: 'call_abc123',
  type: 'function',
  function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' },
}

describe('conversationFromChat', () => {
  it('moves system and developer messages, wherever they are, to system in order', () => {
    const result = conversationFromChat([
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello!' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
    ])
    expect(result).toEqual({
      system: [
        { type: 'text', text: 'You are a helpful assistant.' },
        { type: 'text', text: 'Answer in French.' },
      ],
      messages: [{ role: 'user', content: 'Hello!' }],
    })
  })

  it('writes a single system prompt as a string, and none as null', () => {
    expect(conversationFromChat([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]).system).toBe('Be brief.')
    expect(conversationFromChat([{ role: 'user', content: 'Hi' }]).system).toBeNull()
  })

  it('translates a tool round trip (OpenAI function calling docs) into tool_use and tool_result blocks', () => {
    const result = conversationFromChat([
      { role: 'user', content: "What's the weather like in Boston today?" },
      { role: 'assistant', content: null, tool_calls: [weatherCall] },
      { role: 'tool', tool_call_id: 'call_abc123', content: '{"temperature": "22", "unit": "celsius", "description": "Sunny"}' },
    ])
    expect(result.messages).toEqual([
      { role: 'user', content: "What's the weather like in Boston today?" },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } }],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_abc123', content: '{"temperature": "22", "unit": "celsius", "description": "Sunny"}' },
        ],
      },
    ])
  })

  it('keeps the assistant text before its tool calls', () => {
    const [, assistant] = conversationFromChat([
      { role: 'user', content: 'Weather in Boston?' },
      { role: 'assistant', content: 'Let me check.', tool_calls: [weatherCall] },
    ]).messages
    expect(assistant?.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } },
    ])
  })

  it('merges parallel tool results, and the user words after them, into one user turn', () => {
    const result = conversationFromChat([
      { role: 'user', content: 'Weather in Paris and Tokyo?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24°C' }] },
      { role: 'user', content: 'And in Celsius please.' },
    ])
    expect(result.messages).toHaveLength(3)
    expect(result.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
        { type: 'tool_result', tool_use_id: 'call_2', content: '24°C' },
        { type: 'text', text: 'And in Celsius please.' },
      ],
    })
  })

  it('merges consecutive messages of one role', () => {
    const result = conversationFromChat([
      { role: 'user', content: 'First part.' },
      { role: 'user', content: 'Second part.' },
      { role: 'assistant', content: 'One.' },
      { role: 'assistant', content: 'Two.' },
    ])
    expect(result.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'First part.' }, { type: 'text', text: 'Second part.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }] },
    ])
  })

  it("drops empty assistant messages (n8n's AI Agent sends content: [])", () => {
    const result = conversationFromChat([
      { role: 'system', content: 'You are a helpful assistant' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [] },
      { role: 'user', content: 'what can you do?' },
      { role: 'assistant', content: null },
    ])
    expect(result.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'text', text: 'what can you do?' }] }])
  })

  it('reads empty arguments as no arguments, and accepts arguments already parsed', () => {
    const [, assistant] = conversationFromChat([
      { role: 'user', content: 'Time?' },
      {
        role: 'assistant',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '' } },
          { id: 'call_2', type: 'function', function: { name: 'get_date', arguments: { tz: 'UTC' } } },
        ],
      },
    ]).messages
    expect(assistant?.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'get_time', input: {} },
      { type: 'tool_use', id: 'call_2', name: 'get_date', input: { tz: 'UTC' } },
    ])
  })

  it('refuses tool arguments that are not a JSON object, naming the call', () => {
    const messages: Json[] = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Par' } }] },
    ]
    expect(failure(messages)).toEqual({
      message: 'Tool call arguments are not valid JSON: {"city": "Par',
      param: 'messages[1].tool_calls[0].function.arguments',
    })
    messages[1] = { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '[1,2]' } }] }
    expect(failure(messages).message).toBe('Tool call arguments must be a JSON object.')
  })

  it('refuses a tool message without tool_call_id, and unknown or legacy roles', () => {
    expect(failure([{ role: 'tool', content: '18°C' }]).param).toBe('messages[0].tool_call_id')
    expect(failure([{ role: 'function', name: 'get_weather', content: '18°C' }])).toEqual({
      message:
        'Message role "function" is not supported for Anthropic models (system, developer, user, assistant and tool are).',
      param: 'messages[0].role',
    })
    expect(failure([{ role: 'assistant', function_call: { name: 'f', arguments: '{}' } }]).param).toBe('messages[0].function_call')
    expect(failure(['hello']).param).toBe('messages[0].role')
    expect(failure('hello').param).toBe('messages')
  })

  it('refuses an image in a system message', () => {
    const messages = [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://example.com/logo.png' } }] }]
    expect(failure(messages).param).toBe('messages[0].content[0]')
  })
})
