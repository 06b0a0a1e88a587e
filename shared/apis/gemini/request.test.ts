import { describe, expect, it } from 'vitest'
import { parseModelAction, summarizeGenerateContentRequest } from './request.ts'

describe('summarizeGenerateContentRequest', () => {
  it('puts the system instruction first and shows the model turn as assistant', () => {
    // The REST docs' curl examples spell fields in snake_case; the SDKs send camelCase.
    const summary = summarizeGenerateContentRequest({
      system_instruction: { parts: [{ text: 'You are a cat. Your name is Neko.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hello' }] },
        { role: 'model', parts: [{ text: 'Great to meet you. What would you like to know?' }] },
        { role: 'user', parts: [{ text: 'I have two dogs in my house. How many paws are in my house?' }] },
      ],
    })
    expect(summary).toEqual({
      input: [
        { role: 'system', content: 'You are a cat. Your name is Neko.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Great to meet you. What would you like to know?' }] },
        { role: 'user', content: [{ type: 'text', text: 'I have two dogs in my house. How many paws are in my house?' }] },
      ],
      tools: null,
      modelParameters: {},
    })
  })

  it('joins a multi-part system instruction and defaults a missing role to user', () => {
    const { input } = summarizeGenerateContentRequest({
      systemInstruction: { role: 'system', parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] },
      contents: [{ parts: [{ text: 'Bonjour' }] }],
    })
    expect(input).toEqual([
      { role: 'system', content: 'Be brief.\nAnswer in French.' },
      { role: 'user', content: [{ type: 'text', text: 'Bonjour' }] },
    ])
  })

  it('shapes inline media as @posthog/ai does', () => {
    const { input } = summarizeGenerateContentRequest({
      contents: [
        {
          parts: [
            { inline_data: { mime_type: 'image/jpeg', data: '/9j/4AAQSkZJRgABAQ' } },
            { inlineData: { mimeType: 'audio/mp3', data: 'SUQzBAAAAAAAI1RTU0U' } },
            { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjcKCjEgMCBvYmo' } },
            { text: 'Caption this image.' },
          ],
        },
      ],
    })
    expect(input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image', inline_data: { mime_type: 'image/jpeg', data: '/9j/4AAQSkZJRgABAQ' } },
          { type: 'audio', mime_type: 'audio/mp3', data: 'SUQzBAAAAAAAI1RTU0U' },
          { type: 'document', inline_data: { mime_type: 'application/pdf', data: 'JVBERi0xLjcKCjEgMCBvYmo' } },
          { type: 'text', text: 'Caption this image.' },
        ],
      },
    ])
  })

  it('keeps a function-calling turn readable, without the thought signature', () => {
    const tools = [
      {
        functionDeclarations: [
          {
            name: 'get_current_temperature',
            description: 'Gets the current temperature for a given location.',
            parameters: {
              type: 'object',
              properties: { location: { type: 'string', description: 'The city name, e.g. San Francisco' } },
              required: ['location'],
            },
          },
        ],
      },
    ]
    const summary = summarizeGenerateContentRequest({
      contents: [
        { role: 'user', parts: [{ text: "What's the temperature in London?" }] },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_current_temperature', args: { location: 'London' } }, thoughtSignature: 'CiQBcsjafD8r' },
          ],
        },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_current_temperature', response: { temperature: 15, unit: 'Celsius' } } }],
        },
      ],
      tools,
    })
    expect(summary.input).toEqual([
      { role: 'user', content: [{ type: 'text', text: "What's the temperature in London?" }] },
      {
        role: 'assistant',
        content: [{ type: 'function', function: { name: 'get_current_temperature', arguments: '{"location":"London"}' } }],
      },
      {
        role: 'user',
        content: [{ type: 'function_response', name: 'get_current_temperature', response: { temperature: 15, unit: 'Celsius' } }],
      },
    ])
    expect(summary.tools).toEqual(tools)
  })

  it('keeps call ids, drops thought summaries and keeps unknown parts as sent', () => {
    const { input } = summarizeGenerateContentRequest({
      contents: [
        {
          role: 'model',
          parts: [
            { text: 'Planning the lookup…', thought: true },
            { function_call: { id: 'fc_1', name: 'lookup', args: { q: 'x' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { function_response: { id: 'fc_1', name: 'lookup', response: { result: 'y' } } },
            { fileData: { mimeType: 'video/mp4', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
            { text: '' },
          ],
        },
      ],
    })
    expect(input).toEqual([
      { role: 'assistant', content: [{ type: 'function', id: 'fc_1', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
      {
        role: 'user',
        content: [
          { type: 'function_response', id: 'fc_1', name: 'lookup', response: { result: 'y' } },
          { fileData: { mimeType: 'video/mp4', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
        ],
      },
    ])
  })

  it('reads the generation parameters as sent, with the request-level settings', () => {
    const generationConfig = {
      stopSequences: ['Title'],
      temperature: 1.0,
      topP: 0.8,
      topK: 10,
      maxOutputTokens: 800,
      candidateCount: 1,
      responseMimeType: 'application/json',
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    }
    const toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_current_temperature'] } }
    const safetySettings = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }]
    const { modelParameters } = summarizeGenerateContentRequest({
      contents: [{ parts: [{ text: 'Hi' }] }],
      generationConfig,
      tool_config: toolConfig,
      safetySettings,
    })
    expect(modelParameters).toEqual({ ...generationConfig, toolConfig, safetySettings })
  })

  it('gives an empty input for a body without contents', () => {
    expect(summarizeGenerateContentRequest({ contents: 'Hi' })).toEqual({ input: [], tools: null, modelParameters: {} })
  })
})

describe('parseModelAction', () => {
  it('splits model and action', () => {
    expect(parseModelAction('gemini-2.5-flash:generateContent')).toEqual({ model: 'gemini-2.5-flash', action: 'generateContent' })
    expect(parseModelAction('gemini-2.0-flash-lite-001:streamGenerateContent')).toEqual({
      model: 'gemini-2.0-flash-lite-001',
      action: 'streamGenerateContent',
    })
    expect(parseModelAction('models/gemini-1.5-pro:generateContent')).toEqual({ model: 'gemini-1.5-pro', action: 'generateContent' })
    expect(parseModelAction('gemini-2.5-pro%3AgenerateContent')).toEqual({ model: 'gemini-2.5-pro', action: 'generateContent' })
  })

  it('refuses other actions and malformed segments', () => {
    expect(parseModelAction('gemini-2.5-flash:countTokens')).toBeNull()
    expect(parseModelAction('gemini-2.5-flash')).toBeNull()
    expect(parseModelAction(':generateContent')).toBeNull()
    expect(parseModelAction('gemini/2.5:generateContent')).toBeNull()
    expect(parseModelAction('gemini-2.5-flash:generateContent:x')).toBeNull()
  })
})
