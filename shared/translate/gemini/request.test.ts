import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../types.ts'
import { chatToGenerateContentRequest } from './request.ts'

const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Write a haiku about recursion.' },
]

describe('chatToGenerateContentRequest', () => {
  it('translates a plain request; the model and user stay out of the body', () => {
    expect(chatToGenerateContentRequest({ model: 'gemini-2.5-flash', messages, user: 'user-123' })).toEqual({
      ok: true,
      stream: false,
      body: {
        contents: [{ role: 'user', parts: [{ text: 'Write a haiku about recursion.' }] }],
        systemInstruction: { parts: [{ text: 'You are a helpful assistant.' }] },
      },
    })
  })

  it('maps the sampling parameters to generationConfig', () => {
    const result = chatToGenerateContentRequest({
      model: 'gemini-2.5-flash',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 100,
      max_completion_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      n: 2,
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
    })
    expect(result).toMatchObject({ ok: true, stream: true })
    expect(result.ok && result.body.generationConfig).toEqual({
      maxOutputTokens: 256,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ['END'],
      candidateCount: 2,
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
    })
  })

  it('leaves out zero penalties, which are the default (LangChain sends them on every call)', () => {
    const result = chatToGenerateContentRequest({
      model: 'gemini-2.5-flash',
      messages,
      presence_penalty: 0,
      frequency_penalty: 0,
      top_p: 1,
      stop: ['a', 'b'],
    })
    expect(result.ok && result.body.generationConfig).toEqual({ topP: 1, stopSequences: ['a', 'b'] })
  })

  it('asks for JSON output from response_format', () => {
    const schema = {
      type: 'object',
      properties: { steps: { type: 'array', items: { type: 'string' } }, final_answer: { type: 'string' } },
      required: ['steps', 'final_answer'],
      additionalProperties: false,
    }
    const jsonSchema = chatToGenerateContentRequest({
      model: 'gemini-2.5-flash',
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'math_reasoning', schema, strict: true } },
    })
    expect(jsonSchema.ok && jsonSchema.body.generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema })
    const jsonObject = chatToGenerateContentRequest({ model: 'gemini-2.5-flash', messages, response_format: { type: 'json_object' } })
    expect(jsonObject.ok && jsonObject.body.generationConfig).toEqual({ responseMimeType: 'application/json' })
    const text = chatToGenerateContentRequest({ model: 'gemini-2.5-flash', messages, response_format: { type: 'text' } })
    expect(text.ok && text.body.generationConfig).toBeUndefined()
  })

  it('translates tools, tool_choice and reasoning_effort', () => {
    const result = chatToGenerateContentRequest({
      model: 'gemini-2.5-flash',
      messages,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'required',
      parallel_tool_calls: true,
      reasoning_effort: 'low',
    })
    expect(result.ok && result.body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: {} } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      generationConfig: { thinkingConfig: { thinkingBudget: 1024 } },
    })
  })

  it('refuses parameters Gemini cannot honour, naming them', () => {
    const refuse = (extra: JsonObject) => chatToGenerateContentRequest({ model: 'gemini-2.5-flash', messages, ...extra })
    expect(refuse({ logprobs: true, top_logprobs: 2 })).toEqual({ ok: false, message: expect.stringContaining('top_logprobs'), param: 'top_logprobs' })
    expect(refuse({ logprobs: true })).toMatchObject({ ok: false, param: 'logprobs' })
    expect(refuse({ logit_bias: { '2435': -100 } })).toMatchObject({ ok: false, param: 'logit_bias' })
    expect(refuse({ modalities: ['text', 'audio'] })).toMatchObject({ ok: false, param: 'modalities' })
    expect(refuse({ parallel_tool_calls: false })).toMatchObject({ ok: false, param: 'parallel_tool_calls' })
    expect(refuse({ temperature: 'warm' })).toMatchObject({ ok: false, param: 'temperature' })
    expect(refuse({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } })).toMatchObject({ ok: false, param: 'response_format' })
    expect(refuse({ stop: [1, 2] })).toMatchObject({ ok: false, param: 'stop' })
  })

  it('accepts what does not change the answer', () => {
    expect(
      chatToGenerateContentRequest({
        model: 'gemini-2.5-flash',
        messages,
        logprobs: false,
        top_logprobs: null,
        store: false,
        metadata: { run: '1' },
      }),
    ).toMatchObject({ ok: true })
  })

  it('passes message errors through with their parameter', () => {
    expect(chatToGenerateContentRequest({ model: 'gemini-2.5-flash', messages: [{ role: 'critic', content: 'x' }] })).toEqual({
      ok: false,
      message: expect.stringContaining("'critic'"),
      param: 'messages[0].role',
    })
  })
})
