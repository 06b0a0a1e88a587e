import { describe, expect, it } from 'vitest'
import { buildGenerationEvent } from './build.ts'
import { MAX_EVENT_BYTES } from './truncate.ts'
import type { Json } from '../types.ts'
import type { GenerationRecord } from './types.ts'

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

function record(overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    eventName: '$ai_generation',
    uuid: '01890a5d-ac96-774b-bcce-b302099a8057',
    startedAt: new Date('2025-01-02T03:04:05.678Z'),
    distinctId: 'user-42',
    provider: 'openai',
    requestedModel: 'gpt-4o-mini',
    baseUrl: 'https://api.openai.com/v1',
    requestUrl: 'https://api.openai.com/v1/chat/completions',
    input: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    modelParameters: { temperature: 0.2, max_tokens: 256, stream: true },
    stream: true,
    completion: {
      id: 'chatcmpl-123',
      model: 'gpt-4o-mini-2024-07-18',
      choices: [
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'function', id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
      ],
      stopReason: 'tool_calls',
      usage: {
        inputTokens: 120,
        outputTokens: 30,
        cacheReadTokens: 64,
        cacheWriteTokens: 8,
        reasoningTokens: 12,
        cacheReportingExclusive: false,
      },
    },
    cost: { source: 'database', inputUsd: 0.000018, outputUsd: 0.000018, totalUsd: 0.000036 },
    httpStatus: 200,
    error: null,
    latencySeconds: 1.234,
    timeToFirstTokenSeconds: 0.321,
    traceId: 'trace-abc',
    sessionId: 'session-1',
    spanName: 'weather',
    customProperties: { team: 'growth' },
    paywallId: 'pw_demo',
    projectId: '12345',
    requestId: 'req-1',
    privacyMode: false,
    libVersion: '0.1.0',
    ...overrides,
  }
}

describe('buildGenerationEvent', () => {
  it('maps a full record to every property, with latencies in seconds', () => {
    const r = record()
    const event = buildGenerationEvent(r)
    expect(event.event).toBe('$ai_generation')
    expect(event.distinctId).toBe('user-42')
    expect(event.uuid).toBe(r.uuid)
    expect(event.timestamp).toEqual(new Date('2025-01-02T03:04:05.678Z'))
    expect(event.properties).toEqual({
      $ai_model: 'gpt-4o-mini-2024-07-18',
      $ai_provider: 'openai',
      $ai_input: r.input,
      $ai_output_choices: r.completion.choices,
      $ai_input_tokens: 120,
      $ai_output_tokens: 30,
      $ai_cache_read_input_tokens: 64,
      $ai_cache_creation_input_tokens: 8,
      $ai_reasoning_tokens: 12,
      $ai_cache_reporting_exclusive: false,
      $ai_latency: 1.234,
      $ai_time_to_first_token: 0.321,
      $ai_http_status: 200,
      $ai_is_error: false,
      $ai_input_cost_usd: 0.000018,
      $ai_output_cost_usd: 0.000018,
      $ai_total_cost_usd: 0.000036,
      $ai_cost_passthrough: true,
      $ai_trace_id: 'trace-abc',
      $ai_session_id: 'session-1',
      $ai_span_name: 'weather',
      $ai_stream: true,
      $ai_temperature: 0.2,
      $ai_max_tokens: 256,
      $ai_model_parameters: { temperature: 0.2, max_tokens: 256, stream: true },
      $ai_tools: r.tools,
      $ai_stop_reason: 'tool_calls',
      $ai_completion_id: 'chatcmpl-123',
      $ai_base_url: 'https://api.openai.com/v1',
      $ai_request_url: 'https://api.openai.com/v1/chat/completions',
      $ai_lib: 'openstack',
      $ai_lib_version: '0.1.0',
      openstack_paywall_id: 'pw_demo',
      openstack_project_id: '12345',
      openstack_request_id: 'req-1',
      team: 'growth',
    })
  })

  it('reads $ai_max_tokens from whichever name the API uses for it', () => {
    for (const name of ['max_tokens', 'max_completion_tokens', 'max_output_tokens', 'maxOutputTokens']) {
      const modelParameters = { [name]: 64 }
      expect(buildGenerationEvent(record({ modelParameters })).properties.$ai_max_tokens).toBe(64)
    }
  })

  it('falls back to the requested model and omits what is unknown (never a made-up 0)', () => {
    const base = record()
    const event = buildGenerationEvent(
      record({
        completion: { id: null, model: null, choices: [], stopReason: null, usage: null },
        cost: null,
        tools: [],
        modelParameters: { max_completion_tokens: 500 },
        stream: false,
        timeToFirstTokenSeconds: null,
        sessionId: null,
        spanName: null,
        projectId: null,
      }),
    )
    const p = event.properties
    expect(p.$ai_model).toBe(base.requestedModel)
    expect(p.$ai_max_tokens).toBe(500)
    expect(p.$ai_cache_reporting_exclusive).toBe(false)
    expect(p.$ai_stream).toBe(false)
    for (const key of [
      '$ai_input_tokens', '$ai_output_tokens', '$ai_cache_read_input_tokens', '$ai_cache_creation_input_tokens',
      '$ai_reasoning_tokens', '$ai_time_to_first_token', '$ai_temperature', '$ai_tools', '$ai_stop_reason',
      '$ai_completion_id', '$ai_session_id', '$ai_span_name', 'openstack_project_id', '$ai_error',
      '$ai_input_cost_usd', '$ai_output_cost_usd', '$ai_total_cost_usd', '$ai_cost_passthrough',
    ]) {
      expect(p).not.toHaveProperty(key)
    }
  })

  it('keeps reported-unknown token counts absent but reported zeros present', () => {
    const r = record()
    const p = buildGenerationEvent(
      record({
        completion: {
          ...r.completion,
          usage: { inputTokens: 0, outputTokens: null, cacheReadTokens: 0, cacheReportingExclusive: true },
        },
      }),
    ).properties
    expect(p.$ai_input_tokens).toBe(0)
    expect(p).not.toHaveProperty('$ai_output_tokens')
    expect(p.$ai_cache_read_input_tokens).toBe(0)
    expect(p.$ai_cache_reporting_exclusive).toBe(true)
  })

  it('without usage (a failed request), says cache tokens are exclusive for Anthropic only, as PostHog assumes', () => {
    const failed = (provider: string) =>
      buildGenerationEvent(record({ provider, completion: { id: null, model: null, choices: [], stopReason: null, usage: null } })).properties
    expect(failed('anthropic').$ai_cache_reporting_exclusive).toBe(true)
    expect(failed('openai').$ai_cache_reporting_exclusive).toBe(false)
    expect(failed('gemini').$ai_cache_reporting_exclusive).toBe(false)
  })

  it('sends only the total for an upstream-billed cost', () => {
    const p = buildGenerationEvent(record({ cost: { source: 'upstream', totalUsd: 0.0042 } })).properties
    expect(p.$ai_total_cost_usd).toBe(0.0042)
    expect(p.$ai_cost_passthrough).toBe(true)
    expect(p).not.toHaveProperty('$ai_input_cost_usd')
    expect(p).not.toHaveProperty('$ai_output_cost_usd')
  })

  it('reports upstream errors with their message', () => {
    const p = buildGenerationEvent(
      record({
        httpStatus: 400,
        error: { message: "Invalid value for 'messages'", type: 'upstream_error', code: 'invalid_request_error' },
      }),
    ).properties
    expect(p.$ai_is_error).toBe(true)
    expect(p.$ai_http_status).toBe(400)
    expect(p.$ai_error).toBe("Invalid value for 'messages'")
  })

  it('flags a status >= 400 as an error even without an error object', () => {
    const p = buildGenerationEvent(record({ httpStatus: 503, error: null })).properties
    expect(p.$ai_is_error).toBe(true)
    expect(p.$ai_error).toBe('error (status 503)')
  })

  it('privacy mode: nulls input and output, omits tools and keeps only type/code/status of errors', () => {
    const secret = 'my secret prompt'
    const p = buildGenerationEvent(
      record({
        privacyMode: true,
        input: [{ role: 'user', content: secret }],
        httpStatus: 400,
        error: { message: `Bad request: ${secret}`, type: 'upstream_error', code: 'invalid_request_error' },
      }),
    ).properties
    expect(p.$ai_input).toBeNull()
    expect(p.$ai_output_choices).toBeNull()
    expect(p).not.toHaveProperty('$ai_tools')
    expect(p.$ai_error).toBe('upstream_error (status 400, code invalid_request_error)')
    expect(JSON.stringify(p)).not.toContain(secret)
    // Metrics stay.
    expect(p.$ai_input_tokens).toBe(120)
    expect(p.$ai_total_cost_usd).toBe(0.000036)
  })

  it('redacts base64 images in the input, output and tools without touching the record', () => {
    const input: Json[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Describe' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        ],
      },
    ]
    const r = record({ input })
    const p = buildGenerationEvent(r).properties
    expect(p.$ai_input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Describe' },
          { type: 'image_url', image_url: { url: '[base64 image/png redacted]' } },
        ],
      },
    ])
    expect(JSON.stringify(r.input)).toContain(PNG)
  })

  it('truncates a 2 MB output under 900,000 bytes with a visible marker, still producing the event', () => {
    const r = record()
    const text = 'Lorem ipsum dolor sit amet. '.repeat(75_000) // ~2.1 MB
    const event = buildGenerationEvent(
      record({ completion: { ...r.completion, choices: [{ role: 'assistant', content: [{ type: 'text', text }] }] } }),
    )
    expect(new TextEncoder().encode(JSON.stringify(event.properties)).length).toBeLessThanOrEqual(MAX_EVENT_BYTES)
    const out = (event.properties.$ai_output_choices as { content: { text: string }[] }[])[0]!.content[0]!.text
    expect(out).toMatch(/… \[truncated by openstack: \d+ chars removed\]$/)
    expect(event.properties.$ai_output_tokens).toBe(30)
    expect(event.uuid).toBe(r.uuid)
  })

  it('sends a personless event keyed by the trace id when there is no user', () => {
    const event = buildGenerationEvent(record({ distinctId: null }))
    expect(event.distinctId).toBe('trace-abc')
    expect(event.properties.$process_person_profile).toBe(false)
    expect(buildGenerationEvent(record()).properties).not.toHaveProperty('$process_person_profile')
  })

  it('custom properties cannot override $ properties or the openstack_ ones', () => {
    const p = buildGenerationEvent(
      record({
        projectId: null,
        customProperties: {
          $ai_model: 'fake',
          $ai_total_cost_usd: '0',
          $process_person_profile: 'true',
          openstack_paywall_id: 'other',
          openstack_project_id: 'other',
          openstack_request_id: 'other',
          distinct_id: 'someone-else',
          plan: 'pro',
        },
      }),
    ).properties
    expect(p.$ai_model).toBe('gpt-4o-mini-2024-07-18')
    expect(p.$ai_total_cost_usd).toBe(0.000036)
    expect(p).not.toHaveProperty('$process_person_profile')
    expect(p.openstack_paywall_id).toBe('pw_demo')
    expect(p).not.toHaveProperty('openstack_project_id')
    expect(p.openstack_request_id).toBe('req-1')
    expect(p).not.toHaveProperty('distinct_id')
    expect(p.plan).toBe('pro')
  })

  it('builds $ai_embedding events with input tokens and cost but no output, as @posthog/ai does', () => {
    const event = buildGenerationEvent(
      record({
        eventName: '$ai_embedding',
        input: 'The food was delicious',
        completion: { id: null, model: 'text-embedding-3-small', choices: [], stopReason: null, usage: { inputTokens: 5, outputTokens: 0, cacheReportingExclusive: false } },
        cost: { source: 'database', inputUsd: 1e-7, outputUsd: 0, totalUsd: 1e-7 },
      }),
    )
    expect(event.event).toBe('$ai_embedding')
    expect(event.properties).toMatchObject({ $ai_input: 'The food was delicious', $ai_input_tokens: 5, $ai_output_choices: null, $ai_total_cost_usd: 1e-7 })
    expect(event.properties).not.toHaveProperty('$ai_output_tokens')
  })
})
