import { describe, expect, it } from 'vitest'
import { OpenAI as PostHogOpenAI } from '@posthog/ai/openai'
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses'
import type { PostHog } from 'posthog-node'
import type { Json, JsonObject } from '../../types.ts'
import { inputFromResponsesRequest, summarizeResponsesRequest } from './request.ts'

describe('summarizeResponsesRequest', () => {
  it('puts instructions first as a system message and a string input as the user message', () => {
    // The "instructions" example of the OpenAI text generation guide.
    const summary = summarizeResponsesRequest({
      model: 'gpt-4.1',
      instructions: 'Talk like a pirate.',
      input: 'Are semicolons optional in JavaScript?',
    })
    expect(summary).toEqual({
      input: [
        { role: 'system', content: 'Talk like a pirate.' },
        { role: 'user', content: 'Are semicolons optional in JavaScript?' },
      ],
      tools: null,
      modelParameters: {},
    })
  })

  it('keeps each message role and flattens typed content to a JSON string, as @posthog/ai does', () => {
    const content: Json[] = [
      { type: 'input_text', text: 'what is in this image?' },
      { type: 'input_image', image_url: 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg' },
    ]
    const input = inputFromResponsesRequest({
      model: 'gpt-4.1-mini',
      input: [
        { role: 'developer', content: 'Answer in one sentence.' },
        { role: 'user', content },
      ],
    })
    expect(input).toEqual([
      { role: 'developer', content: 'Answer in one sentence.' },
      { role: 'user', content: JSON.stringify(content) },
    ])
  })

  it('redacts inline files and images before flattening, where the event builder could no longer see them', () => {
    const pdf = 'JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+CnN0cmVhbQp4nCvkMlAwUDC1NDJVMDQyUTAwMLEwMDU1VAhJ'
    const input = inputFromResponsesRequest({
      model: 'gpt-4.1',
      instructions: 'Summarise the document.',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_file', filename: 'draconomicon.pdf', file_data: `data:application/pdf;base64,${pdf}` },
            { type: 'input_image', image_url: `data:image/jpeg;base64,${pdf}` },
            { type: 'input_text', text: 'What is the first dragon in the book?' },
          ],
        },
      ],
    })
    const flattened = (input[1] as JsonObject).content as string
    expect(flattened).not.toContain(pdf)
    expect(JSON.parse(flattened)).toEqual([
      { type: 'input_file', filename: 'draconomicon.pdf', file_data: '[base64 application/pdf redacted]' },
      { type: 'input_image', image_url: '[base64 image/jpeg redacted]' },
      { type: 'input_text', text: 'What is the first dragon in the book?' },
    ])
  })

  it('turns function calls and their outputs (which have no role) into user messages holding the whole item', () => {
    // The second turn of the function calling guide: the model's call and the app's result sent back.
    const call = {
      type: 'function_call',
      id: 'fc_12345xyz',
      call_id: 'call_12345xyz',
      name: 'get_weather',
      arguments: '{"latitude":48.8566,"longitude":2.3522}',
    }
    const output = { type: 'function_call_output', call_id: 'call_12345xyz', output: '14.2' }
    const input = inputFromResponsesRequest({
      model: 'gpt-4.1',
      input: [{ role: 'user', content: "What's the weather like in Paris today?" }, call, output],
    })
    expect(input).toEqual([
      { role: 'user', content: "What's the weather like in Paris today?" },
      { role: 'user', content: JSON.stringify(call) },
      { role: 'user', content: JSON.stringify(output) },
    ])
  })

  it('accepts string items and leaves out an absent input or empty instructions', () => {
    expect(inputFromResponsesRequest({ model: 'gpt-4.1', input: ['first', 'second'] })).toEqual([
      { role: 'user', content: 'first' },
      { role: 'user', content: 'second' },
    ])
    // A stored prompt or previous_response_id can stand in for input.
    expect(inputFromResponsesRequest({ model: 'gpt-4.1', instructions: '', previous_response_id: 'resp_1' })).toEqual([])
  })

  it('returns the tool definitions as sent', () => {
    const tools: Json[] = [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Get current temperature for a given location.',
        parameters: {
          type: 'object',
          properties: { location: { type: 'string', description: 'City and country e.g. Bogotá, Colombia' } },
          required: ['location'],
          additionalProperties: false,
        },
        strict: true,
      },
      { type: 'web_search_preview' },
    ]
    expect(summarizeResponsesRequest({ model: 'gpt-4.1', input: 'hi', tools }).tools).toEqual(tools)
  })

  it('copies the generation parameters present, as sent, and nothing else', () => {
    const { modelParameters } = summarizeResponsesRequest({
      model: 'o4-mini',
      input: 'hi',
      user: 'u-1',
      store: false,
      metadata: { ticket: '42' },
      previous_response_id: 'resp_1',
      include: ['reasoning.encrypted_content'],
      instructions: 'x',
      temperature: null,
      top_p: 0.9,
      max_output_tokens: 500,
      stream: true,
      reasoning: { effort: 'low', summary: 'auto' },
      text: { format: { type: 'json_object' } },
      tool_choice: 'required',
      parallel_tool_calls: false,
      truncation: 'auto',
      service_tier: 'flex',
    })
    expect(modelParameters).toEqual({
      temperature: null,
      top_p: 0.9,
      max_output_tokens: 500,
      stream: true,
      reasoning: { effort: 'low', summary: 'auto' },
      text: { format: { type: 'json_object' } },
      tool_choice: 'required',
      parallel_tool_calls: false,
      truncation: 'auto',
      service_tier: 'flex',
    })
  })
})

describe('summarizeResponsesRequest matches @posthog/ai', () => {
  it('gives the same $ai_input and $ai_tools as the official wrapper for the same request', async () => {
    const body: JsonObject = {
      model: 'gpt-4.1',
      instructions: 'Be brief.',
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } }],
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in this image?' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' },
          ],
        },
        { type: 'function_call', call_id: 'call_0', name: 'get_weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_0', output: '{"temperature":14}' },
        { role: 'assistant', content: [{ type: 'output_text', text: 'It is 14 °C.' }] },
        'and tomorrow?',
      ],
    }
    const captured: { properties: Record<string, unknown> }[] = []
    const client = new PostHogOpenAI({
      apiKey: 'sk-test',
      posthog: { capture: (event: { properties: Record<string, unknown> }) => captured.push(event) } as unknown as PostHog,
      fetch: async () => Response.json({ id: 'resp_1', object: 'response', status: 'completed', model: 'gpt-4.1', output: [] }),
    })
    // Cast: the same JSON the proxy receives, which the SDK types as its params.
    await client.responses.create({ ...(body as unknown as ResponseCreateParamsNonStreaming), posthogDistinctId: 'u-1' })
    await new Promise((resolve) => setTimeout(resolve, 0))

    expect(captured).toHaveLength(1)
    const summary = summarizeResponsesRequest(body)
    expect(summary.input).toEqual(captured[0]!.properties.$ai_input)
    expect(summary.tools).toEqual(captured[0]!.properties.$ai_tools)
  })
})
