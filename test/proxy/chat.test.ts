import OpenAI, { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ERROR_400_BODY,
  ERROR_429_BODY,
  FAKE_TEXT,
  FAKE_TOOL_CALLS,
  FAKE_USAGE,
  LONG_STREAM_TEXT,
  RESET_PIECES,
} from '../fakes/openai-upstream.ts'
import { KEYS, SECRETS } from '../harness/config.ts'
import { runtimes } from '../harness/proxy-process.ts'
import { type Stack, startStack } from '../harness/stack.ts'

// gpt-4o-mini list prices (USD per token), as OpenAI publishes them.
const MINI = { input: 0.15e-6, cachedInput: 0.075e-6, output: 0.6e-6 }
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const hello = (content = 'Say hello') => [{ role: 'user' as const, content }]

describe.each(runtimes)('chat completions through the proxy on %s', (runtime) => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack(runtime)
  })
  afterAll(() => stack?.stop())

  it('answers a non-streamed request and sends one complete $ai_generation event', async () => {
    const startedAt = Date.now()
    const messages = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'Say hello' },
    ]
    const { data, response } = await stack
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages, user: 'user-123', temperature: 0.2, max_tokens: 50 })
      .withResponse()

    expect(data.choices[0]?.message.content).toBe(FAKE_TEXT)
    expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 })
    const requestId = response.headers.get('x-openstack-request-id')
    const traceId = response.headers.get('x-openstack-trace-id')
    expect(traceId).toMatch(/^[0-9a-f-]{36}$/)
    expect(response.headers.get('server-timing')).toMatch(/proxy;dur=[\d.]+/)
    const expectedCost = 12 * MINI.input + 7 * MINI.output
    expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(expectedCost, 12)

    const event = await stack.eventFor(requestId)
    expect(event.event).toBe('$ai_generation')
    expect(event.distinct_id).toBe('user-123')
    expect(event.uuid).toMatch(UUID_V7)
    expect(Date.parse(event.timestamp)).toBeGreaterThanOrEqual(startedAt - 1000)
    expect(Date.parse(event.timestamp)).toBeLessThanOrEqual(Date.now())
    expect(event.properties).toMatchObject({
      $ai_model: 'gpt-4o-mini-2024-07-18',
      $ai_provider: 'openai',
      $ai_input: messages,
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_TEXT }] }],
      $ai_input_tokens: 12,
      $ai_output_tokens: 7,
      $ai_cache_reporting_exclusive: false,
      $ai_http_status: 200,
      $ai_is_error: false,
      $ai_cost_passthrough: true,
      $ai_trace_id: traceId,
      $ai_stream: false,
      $ai_temperature: 0.2,
      $ai_max_tokens: 50,
      $ai_stop_reason: 'stop',
      $ai_completion_id: data.id,
      $ai_base_url: stack.upstream.url,
      $ai_request_url: `${stack.upstream.url}/chat/completions`,
      $ai_lib: 'openstack',
      openstack_paywall_id: 'pw_main',
      openstack_project_id: '4242',
      openstack_request_id: requestId,
    })
    expect(event.properties.$ai_total_cost_usd).toBeCloseTo(expectedCost, 12)
    expect(event.properties.$ai_input_cost_usd).toBeCloseTo(12 * MINI.input, 12)
    expect(event.properties.$ai_output_cost_usd).toBeCloseTo(7 * MINI.output, 12)
    expect(event.properties.$ai_latency).toBeGreaterThan(0)
    expect(event.properties.$ai_latency).toBeLessThan(5)
    expect(event.properties.$ai_lib_version).toMatch(/^\d+\.\d+\.\d+/)
    expect(event.properties).not.toHaveProperty('$ai_time_to_first_token')
    expect(stack.posthog.errors).toEqual([])
  })

  it("accepts the tool round trip n8n's AI Agent sends: an assistant turn with content [] and tool calls", async () => {
    stack.upstream.reset()
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [], tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_1', content: '18 degrees, sunny' },
    ]
    const data = await stack.client().chat.completions.create({ model: 'gpt-4o-mini', messages, user: 'user-agent' })
    expect(data.choices[0]?.message.content).toBe(FAKE_TEXT)
    const [request] = await stack.upstream.waitForRequests(1)
    expect(request?.body).toEqual({ model: 'gpt-4o-mini', messages, user: 'user-agent' })

    const event = await stack.posthog.waitForEvent((e) => e.distinct_id === 'user-agent')
    expect(event.properties).toMatchObject({ $ai_is_error: false, $ai_http_status: 200 })
    const input = event.properties.$ai_input as Array<{ role: string; content: unknown }>
    expect(input.map((m) => m.role)).toEqual(['user', 'assistant', 'tool'])
    expect(JSON.stringify(input[1])).toContain('get_weather')
  })

  it('forwards the body as sent, with the provider key and without X-Openstack headers', async () => {
    stack.upstream.reset()
    await stack.client().chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello(), user: 'user-body' },
      { headers: { 'X-Openstack-Session-Id': 'sess-1', 'X-Openstack-Property-Plan': 'pro', 'OpenAI-Organization': 'org-1' } },
    )
    const [request] = await stack.upstream.waitForRequests(1)
    expect(request?.headers.authorization).toBe(`Bearer ${SECRETS.openai}`)
    expect(request?.headers['openai-organization']).toBe('org-1')
    expect(Object.keys(request?.headers ?? {}).filter((name) => name.startsWith('x-openstack'))).toEqual([])
    expect(request?.body).toEqual({ model: 'gpt-4o-mini', messages: hello(), user: 'user-body' })
  })

  it("sends OpenAI's reasoning models max_completion_tokens for the max_tokens they refuse; other models get max_tokens", async () => {
    stack.upstream.reset()
    const { response } = await stack
      .client()
      .chat.completions.create({ model: 'o3-mini', messages: hello(), max_tokens: 64, user: 'user-o3' })
      .withResponse()
    const [request] = stack.upstream.chatRequests
    expect(request?.body).toMatchObject({ model: 'o3-mini', max_completion_tokens: 64 })
    expect(request?.body).not.toHaveProperty('max_tokens')
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties.$ai_max_tokens).toBe(64)

    stack.upstream.reset()
    await stack.client().chat.completions.create({ model: 'gpt-4o-mini', messages: hello(), max_tokens: 64, user: 'user-o3' })
    expect(stack.upstream.chatRequests[0]?.body).toEqual({ model: 'gpt-4o-mini', messages: hello(), max_tokens: 64, user: 'user-o3' })
  })

  it('relays a stream chunk by chunk, asks upstream for usage and hides the usage chunk it added', async () => {
    stack.upstream.reset()
    const { data: stream, response } = await stack.client().chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: hello('scenario:slow-chunks') },
      { headers: { 'X-Openstack-User': 'user-stream' } },
    ).withResponse()
    const arrivals: number[] = []
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
    for await (const chunk of stream) {
      arrivals.push(performance.now())
      chunks.push(chunk)
    }
    const [request] = stack.upstream.chatRequests
    expect(request?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    // Every chunk reached the client before the upstream wrote the next one: nothing was buffered.
    const writes = request?.chunkWrites ?? []
    expect(arrivals.length).toBe(writes.length - 2) // less [DONE] and the usage chunk
    arrivals.forEach((arrivedAt, index) => expect(arrivedAt).toBeLessThan(writes[index + 1] ?? Infinity))
    expect(chunks.some((chunk) => chunk.choices.length === 0)).toBe(false)
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(FAKE_TEXT)

    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.distinct_id).toBe('user-stream')
    expect(event.properties).toMatchObject({
      $ai_stream: true,
      $ai_input_tokens: 12,
      $ai_output_tokens: 7,
      $ai_http_status: 200,
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_TEXT }] }],
    })
    expect(event.properties.$ai_total_cost_usd).toBeCloseTo(12 * MINI.input + 7 * MINI.output, 12)
    // The headers went out before the usage was known: the cost is in the event only (SPEC §2).
    expect(response.headers.get('x-openstack-cost-usd')).toBeNull()
    expect(event.properties.$ai_time_to_first_token).toBeGreaterThan(0)
    expect(event.properties.$ai_time_to_first_token).toBeLessThanOrEqual(event.properties.$ai_latency)
  })

  it('keeps the usage chunk when the client asked for it', async () => {
    const { data: stream, response } = await stack.client().chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: hello(),
      user: 'user-usage',
    }).withResponse()
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 7 } })
  })

  it('merges streamed tool-call deltas into the event, with the request tools', async () => {
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ]
    const runner = stack.client().chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: hello('scenario:tool-calls'),
      tools,
      user: 'user-tools',
    })
    const final = await runner.finalChatCompletion()
    expect(final.choices[0]?.message.tool_calls).toMatchObject(FAKE_TOOL_CALLS)

    const event = await stack.posthog.waitForEvent((e) => e.distinct_id === 'user-tools')
    expect(event.properties.$ai_output_choices).toEqual([
      {
        role: 'assistant',
        content: FAKE_TOOL_CALLS.map((call) => ({ type: 'function', id: call.id, function: call.function })),
      },
    ])
    expect(event.properties).toMatchObject({
      $ai_tools: tools,
      $ai_stop_reason: 'tool_calls',
      $ai_input_tokens: FAKE_USAGE['tool-calls'].prompt_tokens,
    })
  })

  it('reports cached and reasoning tokens and prices cached input at the cached rate', async () => {
    const { response } = await stack
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello('scenario:cached'), user: 'user-cache' })
      .withResponse()
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties).toMatchObject({
      $ai_input_tokens: 1000,
      $ai_output_tokens: 50,
      $ai_cache_read_input_tokens: 200,
      $ai_reasoning_tokens: 20,
      $ai_cache_reporting_exclusive: false,
    })
    // Cached tokens are inside the 1,000 input tokens: billed once, at the cached rate.
    const expected = 800 * MINI.input + 200 * MINI.cachedInput + 50 * MINI.output
    expect(event.properties.$ai_total_cost_usd).toBeCloseTo(expected, 12)
  })

  it("takes OpenRouter's billed cost over any estimate and routes provider/model ids", async () => {
    stack.upstream.reset()
    const { response } = await stack
      .client()
      .chat.completions.create({ model: 'openrouter/openai/gpt-4o-mini', messages: hello('scenario:openrouter-cost'), user: 'user-or' })
      .withResponse()
    expect(Number(response.headers.get('x-openstack-cost-usd'))).toBe(0.00042)
    const [request] = stack.upstream.chatRequests
    expect(request?.body).toMatchObject({ model: 'openai/gpt-4o-mini' })
    expect(request?.headers.authorization).toBe(`Bearer ${SECRETS.openrouter}`)
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties).toMatchObject({ $ai_provider: 'openrouter', $ai_total_cost_usd: 0.00042, $ai_cost_passthrough: true })
    expect(event.properties).not.toHaveProperty('$ai_input_cost_usd')
    expect(event.properties).not.toHaveProperty('$ai_output_cost_usd')
  })

  it('sends no cost at all for a model without a known price', async () => {
    const { response } = await stack
      .client()
      .chat.completions.create({ model: 'openai/house-model-7b', messages: hello(), user: 'user-unpriced' })
      .withResponse()
    expect(response.headers.get('x-openstack-cost-usd')).toBeNull()
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties.$ai_input_tokens).toBe(12)
    for (const key of ['$ai_total_cost_usd', '$ai_input_cost_usd', '$ai_output_cost_usd', '$ai_cost_passthrough']) {
      expect(event.properties).not.toHaveProperty(key)
    }
    const metrics = await (await fetch(`${stack.proxy.url}/metrics`)).text()
    expect(metrics).toContain('openstack_unknown_price_total{provider="openai",model="house-model-7b"} 1')
  })

  it('passes upstream errors through with their status and message, and records them', async () => {
    const error = await stack
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello('scenario:error-400'), user: 'user-err' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as APIError).message).toContain(ERROR_400_BODY.error.message)
    // Nothing was served, so nothing is priced.
    expect((error as APIError).headers?.get('x-openstack-cost-usd')).toBeNull()
    const event = await stack.eventFor((error as APIError).headers?.get('x-openstack-request-id') ?? null)
    expect(event.properties).toMatchObject({ $ai_http_status: 400, $ai_is_error: true })
    expect(event.properties.$ai_error).toContain(ERROR_400_BODY.error.message)

    const limited = await stack
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello('scenario:error-429'), user: 'user-err' })
      .catch((e: unknown) => e)
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError)
    expect((limited as APIError).headers?.get('retry-after')).toBe('1')
    expect((limited as APIError).message).toContain(ERROR_429_BODY.error.message)
  })

  it('ends a stream cut by the upstream with an error the SDK raises, and records the partial answer', async () => {
    const { data: stream, response } = await stack.client().chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: hello('scenario:reset-mid-stream'),
      user: 'user-reset',
    }).withResponse()
    let text = ''
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    })().catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(OpenAI.APIError)
    expect((failure as Error).message).toContain('lost mid-stream')
    expect(text).toBe(RESET_PIECES.join(''))
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties).toMatchObject({
      $ai_http_status: 502,
      $ai_is_error: true,
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: RESET_PIECES.join('') }] }],
    })
  })

  it('answers 502 when the upstream breaks off a non-streamed answer, and records it', async () => {
    const error = await stack
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello('scenario:reset-mid-stream'), user: 'user-cut' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(APIError)
    expect((error as APIError).status).toBe(502)
    expect((error as APIError).message).toContain('upstream connection lost')
    const event = await stack.eventFor((error as APIError).headers?.get('x-openstack-request-id') ?? null)
    expect(event.properties).toMatchObject({ $ai_http_status: 502, $ai_is_error: true })
  })

  it('answers 504 when the upstream does not answer in time', async () => {
    const error = await stack
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello('scenario:hang'), user: 'user-slow' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as APIError).status).toBe(504)
    expect((error as APIError).message).toContain('did not answer within 1500 ms')
    const event = await stack.eventFor((error as APIError).headers?.get('x-openstack-request-id') ?? null)
    expect(event.properties).toMatchObject({ $ai_http_status: 504, $ai_is_error: true })
  })

  it('cancels the upstream when the client leaves mid-stream and still records a 499 with the partial answer', async () => {
    stack.upstream.reset()
    const controller = new AbortController()
    const { data: stream, response } = await stack.client().chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: hello('scenario:slow-chunks'), user: 'user-gone' },
      { signal: controller.signal },
    ).withResponse()
    let text = ''
    await (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? ''
        if (text.length > 0) controller.abort()
      }
    })().catch(() => {})
    await stack.upstream.waitForAborted(1)
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties).toMatchObject({ $ai_http_status: 499, $ai_is_error: true, $ai_stream: true })
    const partial = event.properties.$ai_output_choices[0].content[0].text as string
    expect(FAKE_TEXT.startsWith(partial)).toBe(true)
    expect(partial.length).toBeLessThan(FAKE_TEXT.length)
  })

  // Deno.serve does not always report a client that leaves before the response starts (denoland/deno#21653,
  // "no cancellation in the request phase"): there the upstream timeout ends the request instead.
  it.runIf(runtime === 'node')('cancels the upstream when the client leaves before the answer, and records a 499', async () => {
    stack.upstream.reset()
    const controller = new AbortController()
    const pending = stack
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello('scenario:hang'), user: 'user-left' }, { signal: controller.signal })
      .catch(() => null)
    await stack.upstream.waitForRequests(1)
    controller.abort()
    await pending
    await stack.upstream.waitForAborted(1)
    const event = await stack.posthog.waitForEvent((e) => e.distinct_id === 'user-left')
    expect(event.properties).toMatchObject({ $ai_http_status: 499, $ai_is_error: true })
  })

  it('runs a long stream to the end with every chunk in order', async () => {
    const { data: stream, response } = await stack
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: hello('scenario:long-stream'), user: 'user-long' }).withResponse()
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe(LONG_STREAM_TEXT)
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties.$ai_output_tokens).toBe(FAKE_USAGE['long-stream'].completion_tokens)
  })

  it("lists every provider's models with ids that route back to it: bare where the router needs no prefix", async () => {
    const page = await stack.client().models.list()
    const owners = Object.fromEntries(page.data.map((model) => [model.id, model.owned_by]))
    expect(owners).toMatchObject({
      'gpt-4o-mini': 'openai',
      // The same name at OpenRouter needs its prefix: bare, it routes to OpenAI.
      'openrouter/gpt-4o-mini': 'openrouter',
      // Anthropic's and Gemini's own lists, in their own formats (Gemini keeps generateContent models only).
      'claude-sonnet-4-5-20250929': 'anthropic',
      'gemini-2.5-flash': 'gemini',
    })
    expect(owners['text-embedding-004']).toBeUndefined()
    expect(owners['gemini/text-embedding-004']).toBeUndefined()
  })

  it('answers liveness and readiness', async () => {
    expect((await fetch(`${stack.proxy.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${stack.proxy.url}/readyz`)).status).toBe(200)
  })

  it('never leaks a provider or PostHog key into logs or events', async () => {
    const events = JSON.stringify(stack.posthog.events.map((event) => event.properties))
    const logs = stack.proxy.logs().join('\n')
    for (const secret of Object.values(SECRETS)) {
      expect(events).not.toContain(secret)
      expect(logs).not.toContain(secret)
    }
    expect(logs).not.toContain(KEYS.main)
  })
})
