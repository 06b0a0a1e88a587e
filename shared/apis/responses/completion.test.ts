import { describe, expect, it } from 'vitest'
import { OpenAI as PostHogOpenAI } from '@posthog/ai/openai'
import type { PostHog } from 'posthog-node'
import { completionFromResponseJson, stopReasonOf } from './completion.ts'

const STORY =
  'In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool that reflected the stars.'

/** The example response of the OpenAI Responses API reference. */
function docsResponse(): Record<string, unknown> {
  return {
    id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
    object: 'response',
    created_at: 1741476542,
    status: 'completed',
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: 'gpt-4.1-2025-04-14',
    output: [
      {
        type: 'message',
        id: 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: STORY, annotations: [] }],
      },
    ],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1.0,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
    truncation: 'disabled',
    usage: {
      input_tokens: 36,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 87,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 123,
    },
    user: null,
    metadata: {},
  }
}

describe('completionFromResponseJson', () => {
  it('reads the id, served model, text, status and usage of a completed response', () => {
    expect(completionFromResponseJson(docsResponse())).toEqual({
      id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
      model: 'gpt-4.1-2025-04-14',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: STORY }] }],
      stopReason: 'completed',
      usage: { inputTokens: 36, outputTokens: 87, cacheReadTokens: 0, reasoningTokens: 0, cacheReportingExclusive: false },
    })
  })

  it('reads a function call answer (the function calling guide example)', () => {
    const result = completionFromResponseJson({
      ...docsResponse(),
      output: [
        {
          type: 'function_call',
          id: 'fc_12345xyz',
          call_id: 'call_12345xyz',
          name: 'get_weather',
          arguments: '{"location":"Paris, France"}',
        },
      ],
    })
    expect(result.choices).toEqual([
      {
        role: 'assistant',
        content: [{ type: 'function', id: 'call_12345xyz', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } }],
      },
    ])
    expect(result.stopReason).toBe('completed')
  })

  it('leaves reasoning out of the output but counts its tokens and the cached input', () => {
    const result = completionFromResponseJson({
      ...docsResponse(),
      model: 'o4-mini-2025-04-16',
      output: [
        { type: 'reasoning', id: 'rs_6876cf02e0bc8192b74af0fb64b715ff06fa2fcced15a5ac', summary: [] },
        { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Done.', annotations: [] }] },
      ],
      usage: {
        input_tokens: 2075,
        input_tokens_details: { cached_tokens: 1920 },
        output_tokens: 1186,
        output_tokens_details: { reasoning_tokens: 1024 },
        total_tokens: 3261,
      },
    })
    expect(result.choices).toEqual([{ role: 'assistant', content: [{ type: 'text', text: 'Done.' }] }])
    expect(result.usage).toEqual({
      inputTokens: 2075,
      outputTokens: 1186,
      cacheReadTokens: 1920,
      reasoningTokens: 1024,
      cacheReportingExclusive: false,
    })
  })

  it('names an incomplete response by what cut it short', () => {
    const result = completionFromResponseJson({
      ...docsResponse(),
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ type: 'reasoning', id: 'rs_1', summary: [] }],
    })
    expect(result.stopReason).toBe('max_output_tokens')
    expect(result.choices).toEqual([])
  })

  it('has no usage and no stop reason where the upstream gave none (a background response still queued)', () => {
    const result = completionFromResponseJson({
      id: 'resp_123',
      object: 'response',
      status: 'queued',
      model: 'o3-2025-04-16',
      output: [],
      usage: null,
    })
    expect(result).toEqual({ id: 'resp_123', model: 'o3-2025-04-16', choices: [], stopReason: null, usage: null })
  })

  it('returns nulls for a body that is not a response', () => {
    expect(completionFromResponseJson('<html>502 Bad Gateway</html>')).toEqual({
      id: null,
      model: null,
      choices: [],
      stopReason: null,
      usage: null,
    })
  })
})

describe('stopReasonOf', () => {
  it('gives the terminal status, or the incomplete reason', () => {
    expect(stopReasonOf({ status: 'completed' })).toBe('completed')
    expect(stopReasonOf({ status: 'failed' })).toBe('failed')
    expect(stopReasonOf({ status: 'cancelled' })).toBe('cancelled')
    expect(stopReasonOf({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } })).toBe('content_filter')
    expect(stopReasonOf({ status: 'incomplete', incomplete_details: null })).toBe('incomplete')
    expect(stopReasonOf({ status: 'in_progress' })).toBeNull()
    expect(stopReasonOf({})).toBeNull()
  })
})

describe('completionFromResponseJson matches @posthog/ai', () => {
  it('gives the same $ai_output_choices, $ai_stop_reason and $ai_completion_id as the official wrapper', async () => {
    const body = {
      ...docsResponse(),
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: STORY, annotations: [] }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"location":"Paris"}', status: 'completed' },
      ],
    }
    const captured: { properties: Record<string, unknown> }[] = []
    const client = new PostHogOpenAI({
      apiKey: 'sk-test',
      posthog: { capture: (event: { properties: Record<string, unknown> }) => captured.push(event) } as unknown as PostHog,
      fetch: async () => Response.json(body),
    })
    await client.responses.create({ model: 'gpt-4.1', input: 'Tell me a story.', posthogDistinctId: 'u-1' })
    await new Promise((resolve) => setTimeout(resolve, 0))

    expect(captured).toHaveLength(1)
    const props = captured[0]!.properties
    const result = completionFromResponseJson(body)
    expect(result.choices).toEqual(props.$ai_output_choices)
    expect(result.stopReason).toBe(props.$ai_stop_reason)
    expect(result.id).toBe(props.$ai_completion_id)
    expect(result.usage?.inputTokens).toBe(props.$ai_input_tokens)
    expect(result.usage?.outputTokens).toBe(props.$ai_output_tokens)
  })
})
