/**
 * Parity with @posthog/ai 8.13.1: its Anthropic wrapper, driven through a stubbed fetch, captures an
 * event; the modules of this folder must give the same `$ai_input` (after the event builder's base64
 * redaction), `$ai_tools`, output, stop reason and token counts for the same request and response.
 */
import { describe, expect, it } from 'vitest'
import { PostHogAnthropic } from '@posthog/ai/anthropic'
import { redactBase64 } from '../../event/redact.ts'
import type { JsonObject, OutputChoice } from '../../types.ts'
import { completionFromMessagesJson } from './completion.ts'
import { readEvents, TOOL_STREAM } from './fixtures.ts'
import { summarizeMessagesRequest } from './request.ts'
import { MessagesStreamAccumulator } from './stream.ts'

type Captured = { event: string; properties: Record<string, unknown> }

function wrapper(respond: () => Response) {
  const events: Captured[] = []
  const client = new PostHogAnthropic({
    apiKey: 'sk-ant-test',
    baseURL: 'http://127.0.0.1:9',
    maxRetries: 0,
    fetch: async () => respond(),
    // Only `capture` is used by @posthog/ai when full AI capture is off.
    posthog: { capture: (e: Captured) => events.push(e) } as unknown as ConstructorParameters<typeof PostHogAnthropic>[0]['posthog'],
  })
  return { client, events }
}

/** Our parts with the tool arguments parsed, as @posthog/ai keeps them (an object). */
function withParsedArguments(choices: OutputChoice[]) {
  return choices.map((c) => ({
    ...c,
    content: c.content.map((p) => (p.type === 'function' ? { ...p, function: { ...p.function, arguments: JSON.parse(p.function.arguments) } } : p)),
  }))
}

const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='.repeat(3)

const request = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  temperature: 0.2,
  top_k: 20,
  system: [{ type: 'text' as const, text: 'You are a meteorologist.', cache_control: { type: 'ephemeral' as const } }],
  tools: [
    {
      name: 'get_weather',
      description: 'Get the current weather in a given location',
      input_schema: { type: 'object' as const, properties: { location: { type: 'string' } }, required: ['location'] },
    },
  ],
  messages: [
    {
      role: 'user' as const,
      content: [
        { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: PNG_BASE64 } },
        { type: 'text' as const, text: 'What is the weather where this photo was taken?' },
      ],
    },
    {
      role: 'assistant' as const,
      content: [{ type: 'tool_use' as const, id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'Paris' } }],
    },
    { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' }] },
  ],
}

const toolAnswer = {
  id: 'msg_01Aq9w938a90dw8q',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  stop_reason: 'tool_use',
  stop_sequence: null,
  content: [
    { type: 'text', text: "I'll check the forecast for tomorrow too." },
    { type: 'tool_use', id: 'toolu_01B2', name: 'get_weather', input: { location: 'Paris', unit: 'celsius' } },
  ],
  usage: { input_tokens: 472, cache_creation_input_tokens: 100, cache_read_input_tokens: 300, output_tokens: 89 },
}

describe('parity with @posthog/ai', () => {
  it('summarises a non-streamed request and its answer as the Anthropic wrapper does', async () => {
    const { client, events } = wrapper(() => Response.json(toolAnswer, { headers: { 'request-id': 'req_1' } }))
    await client.messages.create(request)
    expect(events).toHaveLength(1)
    const theirs = events[0]!.properties

    const summary = summarizeMessagesRequest(request as unknown as JsonObject)
    expect(redactBase64(summary.input)).toEqual(theirs.$ai_input)
    expect(JSON.stringify(redactBase64(summary.input))).not.toContain(PNG_BASE64.slice(0, 64))
    expect(summary.tools).toEqual(theirs.$ai_tools)
    expect(summary.modelParameters).toMatchObject(theirs.$ai_model_parameters as object)

    const completion = completionFromMessagesJson(toolAnswer)
    expect(withParsedArguments(completion.choices)).toEqual(theirs.$ai_output_choices)
    expect(completion.stopReason).toBe(theirs.$ai_stop_reason)
    expect(completion.usage?.inputTokens).toBe(theirs.$ai_input_tokens)
    expect(completion.usage?.outputTokens).toBe(theirs.$ai_output_tokens)
    expect(completion.usage?.cacheReadTokens).toBe(theirs.$ai_cache_read_input_tokens)
    expect(completion.usage?.cacheWriteTokens).toBe(theirs.$ai_cache_creation_input_tokens)
  })

  it('merges a stream as the Anthropic wrapper does', async () => {
    const { client, events } = wrapper(
      () => new Response(TOOL_STREAM, { headers: { 'content-type': 'text/event-stream', 'request-id': 'req_2' } }),
    )
    const stream = await client.messages.create({ ...request, stream: true })
    for await (const _ of stream) {
      // drain
    }
    // The wrapper captures once its copy of the stream has been read.
    await expect.poll(() => events.length).toBe(1)
    const theirs = events[0]!.properties

    const acc = new MessagesStreamAccumulator()
    for (const { event, data } of readEvents(TOOL_STREAM)) acc.add(data, event)
    const result = acc.result()
    expect(withParsedArguments(result.choices)).toEqual(theirs.$ai_output_choices)
    expect(result.stopReason).toBe(theirs.$ai_stop_reason)
    expect(result.usage?.inputTokens).toBe(theirs.$ai_input_tokens)
    expect(result.usage?.outputTokens).toBe(theirs.$ai_output_tokens)
  })
})
