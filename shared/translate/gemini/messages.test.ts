import { describe, expect, it } from 'vitest'
import { UntranslatableRequest } from '../chat.ts'
import { conversationFromMessages, PLACEHOLDER_THOUGHT_SIGNATURE } from './messages.ts'

function refusal(messages: unknown): { message: string; param: string } {
  try {
    conversationFromMessages(messages)
  } catch (error) {
    if (error instanceof UntranslatableRequest) return { message: error.message, param: error.param }
    throw error
  }
  throw new Error('expected the messages to be refused')
}

describe('conversationFromMessages', () => {
  it('hoists system and developer messages and maps assistant to model', () => {
    expect(
      conversationFromMessages([
        { role: 'developer', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello!' },
        { role: 'assistant', content: 'Hello! How can I assist you today?' },
        { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] },
      ]),
    ).toEqual({
      systemInstruction: { parts: [{ text: 'You are a helpful assistant.' }, { text: 'Answer in French.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hello!' }] },
        { role: 'model', parts: [{ text: 'Hello! How can I assist you today?' }] },
        { role: 'user', parts: [{ text: 'What is the capital of France?' }] },
      ],
    })
  })

  it('translates a tool round trip, naming each result after its call', () => {
    // The OpenAI function-calling guide's flow, as n8n's AI Agent sends it: an assistant message with
    // `content: []` and tool calls, then one tool message per call.
    const { contents } = conversationFromMessages([
      { role: 'user', content: "What's the weather like in Paris today? And the time?" },
      {
        role: 'assistant',
        content: [],
        tool_calls: [
          { id: 'call_12345xyz', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } },
          { id: 'call_67890abc', type: 'function', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_12345xyz', content: '{"temperature_c":14,"conditions":"cloudy"}' },
      { role: 'tool', tool_call_id: 'call_67890abc', content: '10:42' },
      { role: 'assistant', content: [] },
      { role: 'user', content: 'Thanks!' },
    ])
    expect(contents).toEqual([
      { role: 'user', parts: [{ text: "What's the weather like in Paris today? And the time?" }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { location: 'Paris, France' } }, thoughtSignature: PLACEHOLDER_THOUGHT_SIGNATURE },
          { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temperature_c: 14, conditions: 'cloudy' } } },
          { functionResponse: { name: 'get_time', response: { result: '10:42' } } },
          { text: 'Thanks!' },
        ],
      },
    ])
  })

  it('sends back the thought signature a tool call came with', () => {
    const { contents } = conversationFromMessages([
      { role: 'user', content: 'Book a taxi' },
      {
        role: 'assistant',
        content: 'Booking it.',
        tool_calls: [
          {
            id: 'call_a',
            type: 'function',
            function: { name: 'book_taxi', arguments: '{}' },
            extra_content: { google: { thought_signature: 'CsQBAdHtim9' } },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: [{ type: 'text', text: '["confirmed"]' }] },
    ])
    expect(contents.slice(1)).toEqual([
      { role: 'model', parts: [{ text: 'Booking it.' }, { functionCall: { name: 'book_taxi', args: {} }, thoughtSignature: 'CsQBAdHtim9' }] },
      // A JSON array is not an object: wrapped, as its text.
      { role: 'user', parts: [{ functionResponse: { name: 'book_taxi', response: { result: '["confirmed"]' } } }] },
    ])
  })

  it('translates images, audio and files', () => {
    const { contents } = conversationFromMessages([
      {
        role: 'user',
        content: [
          { type: 'text', text: "What's in this image?" },
          { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg' } },
          { type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZF', format: 'wav' } },
          { type: 'file', file: { filename: 'draconomicon.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjcK' } },
        ],
      },
    ])
    expect(contents[0]?.parts).toEqual([
      { text: "What's in this image?" },
      {
        fileData: {
          mimeType: 'image/jpeg',
          fileUri: 'https://upload.wikimedia.org/wikipedia/commons/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg',
        },
      },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUg' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRiQAAABXQVZF' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjcK' } },
    ])
  })

  it('refuses what Gemini could not be told, naming the parameter', () => {
    expect(refusal([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/photo' } }] }])).toEqual({
      message: expect.stringContaining('.png, .jpg, .jpeg, .webp'),
      param: 'messages[0].content[0].image_url',
    })
    expect(
      refusal([
        { role: 'user', content: 'hi' },
        { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":' } }] },
      ]),
    ).toEqual({ message: expect.stringContaining('not valid JSON'), param: 'messages[1].tool_calls[0].function.arguments' })
    expect(refusal([{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_unknown', content: '1' }])).toEqual({
      message: expect.stringContaining('earlier assistant message'),
      param: 'messages[1].tool_call_id',
    })
    expect(refusal([{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc123' } }] }]).param).toBe('messages[0].content[0].file')
    expect(refusal([{ role: 'function', name: 'f', content: '1' }]).param).toBe('messages[0].role')
    expect(refusal([{ role: 'system', content: 'Only a system prompt.' }]).param).toBe('messages')
    expect(refusal('hello').param).toBe('messages')
  })
})
