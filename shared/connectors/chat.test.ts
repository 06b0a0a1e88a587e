import { describe, expect, it } from 'vitest'
import { completionFromChatJson } from '../completion/openai-chat.ts'
import { answerText, chatMessages, costFromHeader, isChatRole, samplingFields } from './chat.ts'

describe('chatMessages', () => {
  it('puts the system message first, then the messages; the prompt only when there are none', () => {
    const messages = [
      { role: 'user' as const, content: 'Hi' },
      { role: 'assistant' as const, content: 'Hello' },
    ]
    expect(chatMessages({ systemMessage: 'Be terse.', messages, prompt: 'ignored' })).toEqual([{ role: 'system', content: 'Be terse.' }, ...messages])
    expect(chatMessages({ systemMessage: '  ', messages: [], prompt: 'Say hi' })).toEqual([{ role: 'user', content: 'Say hi' }])
    expect(chatMessages({ systemMessage: 'Be terse.', prompt: 'Say hi' })).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Say hi' },
    ])
  })

  it('is null when there is nothing to send, even with a system message', () => {
    expect(chatMessages({ systemMessage: 'Be terse.', prompt: '  ' })).toBeNull()
    expect(chatMessages({ messages: [] })).toBeNull()
  })
})

describe('samplingFields', () => {
  it('maps each option set to its body field and leaves the others out', () => {
    expect(samplingFields({})).toEqual({})
    expect(samplingFields({ temperature: 0, maxTokens: 50, topP: 0.9, frequencyPenalty: 0.5, presencePenalty: -0.5, jsonOutput: true })).toEqual({
      temperature: 0,
      max_tokens: 50,
      top_p: 0.9,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      response_format: { type: 'json_object' },
    })
    expect(samplingFields({ jsonOutput: false })).toEqual({})
  })
})

describe('answerText', () => {
  it("joins the first choice's text parts and is '' for a tool-call-only answer", () => {
    const text = completionFromChatJson({ choices: [{ message: { content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] } }] })
    expect(answerText(text)).toBe('ab')
    const tools = completionFromChatJson({ choices: [{ message: { content: null, tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{}' } }] } }] })
    expect(answerText(tools)).toBe('')
  })
})

describe('costFromHeader', () => {
  it('reads USD and gives null (never 0) when the header is absent or unreadable', () => {
    expect(costFromHeader('0.0000123')).toBe(0.0000123)
    expect(costFromHeader('0')).toBe(0)
    for (const raw of [null, undefined, '', ' ', 'abc', '-1', 'Infinity']) expect(costFromHeader(raw)).toBeNull()
  })
})

describe('isChatRole', () => {
  it('knows exactly system, user and assistant', () => {
    expect(['system', 'user', 'assistant', 'tool', 'User', 1].map(isChatRole)).toEqual([true, true, true, false, false, false])
  })
})
