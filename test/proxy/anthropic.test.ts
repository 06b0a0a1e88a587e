import Anthropic, { APIError } from '@anthropic-ai/sdk'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type AnthropicRecordedRequest,
  ANTHROPIC_ERROR_429_BODY,
  ANTHROPIC_OVERLOADED_BODY,
  error400Message,
  FAKE_ANTHROPIC_TEXT,
  FAKE_ANTHROPIC_USAGE,
  FAKE_TOOL_TEXT,
  FAKE_TOOL_USE,
  MID_STREAM_PIECES,
} from '../fakes/anthropic-upstream.ts'
import type { CapturedEvent } from '../fakes/posthog-capture.ts'
import { KEYS, SECRETS } from '../harness/config.ts'
import { runtimes } from '../harness/proxy-process.ts'
import { type Stack, startStack } from '../harness/stack.ts'

// claude-sonnet-4-5 list prices in USD per token, from Anthropic's pricing page
// (https://www.anthropic.com/pricing#api, "Claude Sonnet 4.5", prompts <= 200K tokens):
// $3 / MTok input, $15 / MTok output, $3.75 / MTok 5-minute cache write, $0.30 / MTok cache read.
const SONNET = { input: 3e-6, output: 15e-6, cacheWrite: 3.75e-6, cacheRead: 0.3e-6 }
const MODEL = 'claude-sonnet-4-5'

const say = (text: string): Anthropic.MessageParam[] => [{ role: 'user', content: text }]

const WEATHER_TOOLS: Anthropic.Tool[] = [
  {
    name: 'get_weather',
    description: 'Current weather for a place',
    input_schema: {
      type: 'object',
      properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location'],
    },
  },
]

/** The promise's rejection (or a failure when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error,
  )
}

/** A tool call's arguments: the proxy may keep them as the JSON text or as the object @posthog/ai keeps. */
function parsedArguments(args: unknown): unknown {
  return typeof args === 'string' ? JSON.parse(args) : args
}

describe.each(runtimes)('Anthropic Messages through the proxy on %s', (runtime) => {
  let stack: Stack
  /** Every answer and error body the proxy sent a client, to check no secret ever reached one. */
  const seenByClients: string[] = []
  /** Every request the fake upstream received, across tests. */
  const upstreamSeen: AnthropicRecordedRequest[] = []

  beforeAll(async () => {
    stack = await startStack(runtime)
  })
  afterEach(() => {
    upstreamSeen.push(...stack.anthropic.requests)
    stack.anthropic.reset()
  })
  afterAll(() => stack?.stop())

  const eventOf = (user: string): Promise<CapturedEvent> => stack.posthog.waitForEvent((event) => event.distinct_id === user)

  it('answers a non-streamed request unchanged and records one complete event for metadata.user_id', async () => {
    stack.anthropic.reset()
    const startedAt = Date.now()
    const params = {
      model: MODEL,
      max_tokens: 256,
      temperature: 0.5,
      system: 'You are terse.',
      messages: [
        { role: 'user' as const, content: 'Hi' },
        { role: 'assistant' as const, content: 'Hello.' },
        { role: 'user' as const, content: 'Say hello' },
      ],
      metadata: { user_id: 'ant-body-user' },
    }
    // metadata.user_id beats the header (SPEC §2).
    const { data, response } = await stack
      .anthropicClient()
      .messages.create(params, { headers: { 'X-Openstack-User': 'ant-header-loses' } })
      .withResponse()
    seenByClients.push(JSON.stringify(data), JSON.stringify([...response.headers]))

    expect(data.content).toEqual([{ type: 'text', text: FAKE_ANTHROPIC_TEXT }])
    expect(data.model).toBe(MODEL)
    expect(data.stop_reason).toBe('end_turn')
    expect(data.usage).toEqual(FAKE_ANTHROPIC_USAGE.default)

    const { input_tokens: input, output_tokens: output } = FAKE_ANTHROPIC_USAGE.default
    const expectedCost = input * SONNET.input + output * SONNET.output
    const headerCost = Number(response.headers.get('x-openstack-cost-usd'))
    expect(headerCost).toBeCloseTo(expectedCost, 12)

    const requestId = response.headers.get('x-openstack-request-id')
    const event = await stack.eventFor(requestId)
    expect(event.event).toBe('$ai_generation')
    expect(event.distinct_id).toBe('ant-body-user')
    expect(Date.parse(event.timestamp)).toBeGreaterThanOrEqual(startedAt - 1000)
    expect(event.properties).toMatchObject({
      $ai_provider: 'anthropic',
      $ai_model: MODEL,
      $ai_input: [{ role: 'system', content: 'You are terse.' }, ...params.messages],
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_ANTHROPIC_TEXT }] }],
      $ai_input_tokens: input,
      $ai_output_tokens: output,
      $ai_cache_reporting_exclusive: true,
      $ai_stop_reason: 'end_turn',
      $ai_stream: false,
      $ai_temperature: 0.5,
      $ai_max_tokens: 256,
      $ai_http_status: 200,
      $ai_is_error: false,
      $ai_completion_id: data.id,
      $ai_base_url: stack.anthropic.url,
      $ai_request_url: `${stack.anthropic.url}/v1/messages`,
      $ai_cost_passthrough: true,
      openstack_paywall_id: 'pw_main',
      openstack_request_id: requestId,
    })
    // The header and the event carry the very same figure.
    expect(event.properties.$ai_total_cost_usd).toBe(headerCost)
    expect(event.properties.$ai_input_cost_usd).toBeCloseTo(input * SONNET.input, 12)
    expect(event.properties.$ai_output_cost_usd).toBeCloseTo(output * SONNET.output, 12)
    expect(event.properties).not.toHaveProperty('$ai_time_to_first_token')
    expect(event.properties.$ai_latency).toBeGreaterThan(0)

    // Upstream: the body as the SDK sent it, with the paywall's provider key only.
    const [request] = stack.anthropic.messageRequests
    expect(request?.body).toEqual(params)
    expect(request?.headers['x-api-key']).toBe(SECRETS.anthropic)
    expect(request?.headers.authorization).toBeUndefined()
    expect(JSON.stringify(request?.headers)).not.toContain(KEYS.main)
    expect(Object.keys(request?.headers ?? {}).filter((name) => name.startsWith('x-openstack'))).toEqual([])
    expect(stack.posthog.errors).toEqual([])
  })

  it("forwards the SDK's anthropic-version and anthropic-beta headers as sent", async () => {
    stack.anthropic.reset()
    const sent: Headers[] = []
    const client = new Anthropic({
      apiKey: KEYS.main,
      baseURL: stack.proxy.url,
      maxRetries: 0,
      fetch: (url, init) => {
        sent.push(new Headers(init?.headers))
        return fetch(url, init)
      },
    })
    await client.messages.create(
      { model: MODEL, max_tokens: 64, messages: say('Say hello'), metadata: { user_id: 'ant-version' } },
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    )
    const [request] = stack.anthropic.messageRequests
    const sdkVersion = sent[0]?.get('anthropic-version')
    expect(sdkVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(request?.headers['anthropic-version']).toBe(sdkVersion)
    expect(request?.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31')
    expect(request?.headers['x-api-key']).toBe(SECRETS.anthropic)

    // A version the client chose is passed on, not replaced by the proxy's default.
    stack.anthropic.reset()
    await client.messages.create(
      { model: MODEL, max_tokens: 64, messages: say('Say hello'), metadata: { user_id: 'ant-version' } },
      { headers: { 'anthropic-version': '2023-01-01' } },
    )
    expect(stack.anthropic.messageRequests[0]?.headers['anthropic-version']).toBe('2023-01-01')
  })

  it('takes the X-Openstack-User header over the /{user}/ path prefix, and the prefix when alone', async () => {
    const prefixed = stack.anthropicClient(KEYS.main, `${stack.proxy.url}/ant-path-user`)
    const fromHeader = await prefixed.messages
      .create({ model: MODEL, max_tokens: 64, messages: say('Say hello') }, { headers: { 'X-Openstack-User': 'ant-header-user' } })
      .withResponse()
    expect(fromHeader.data.content).toEqual([{ type: 'text', text: FAKE_ANTHROPIC_TEXT }])
    expect((await stack.eventFor(fromHeader.response.headers.get('x-openstack-request-id'))).distinct_id).toBe('ant-header-user')

    const fromPath = await prefixed.messages.create({ model: MODEL, max_tokens: 64, messages: say('Say hello') }).withResponse()
    expect((await stack.eventFor(fromPath.response.headers.get('x-openstack-request-id'))).distinct_id).toBe('ant-path-user')

    // The prefix is URL-decoded.
    const encoded = await stack
      .anthropicClient(KEYS.main, `${stack.proxy.url}/${encodeURIComponent('ana@example.com')}`)
      .messages.create({ model: MODEL, max_tokens: 64, messages: say('Say hello') })
      .withResponse()
    expect((await stack.eventFor(encoded.response.headers.get('x-openstack-request-id'))).distinct_id).toBe('ana@example.com')

    // A blank metadata.user_id counts as absent: the header is used.
    const blank = await stack
      .anthropicClient()
      .messages.create(
        { model: MODEL, max_tokens: 64, messages: say('Say hello'), metadata: { user_id: '   ' } },
        { headers: { 'X-Openstack-User': 'ant-blank-fallback' } },
      )
      .withResponse()
    expect((await stack.eventFor(blank.response.headers.get('x-openstack-request-id'))).distinct_id).toBe('ant-blank-fallback')
  })

  it('relays messages.stream() and records the merged stream: text, usage, time to first token', async () => {
    stack.anthropic.reset()
    const stream = stack.anthropicClient().messages.stream({
      model: MODEL,
      max_tokens: 256,
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: say('Say hello'),
      metadata: { user_id: 'ant-stream-helper' },
    })
    const final = await stream.finalMessage()
    expect(final.content).toEqual([{ type: 'text', text: FAKE_ANTHROPIC_TEXT }])
    expect(final.usage.output_tokens).toBe(FAKE_ANTHROPIC_USAGE.default.output_tokens)
    expect(stack.anthropic.messageRequests[0]?.body).toMatchObject({ stream: true, metadata: { user_id: 'ant-stream-helper' } })

    const event = await eventOf('ant-stream-helper')
    const { input_tokens: input, output_tokens: output } = FAKE_ANTHROPIC_USAGE.default
    expect(event.properties).toMatchObject({
      $ai_provider: 'anthropic',
      $ai_model: MODEL,
      // A system prompt sent as text blocks stays as sent.
      $ai_input: [{ role: 'system', content: [{ type: 'text', text: 'You are terse.' }] }, ...say('Say hello')],
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_ANTHROPIC_TEXT }] }],
      $ai_stream: true,
      // message_start brings the input count, message_delta the final output count (message_start says 1).
      $ai_input_tokens: input,
      $ai_output_tokens: output,
      $ai_cache_reporting_exclusive: true,
      $ai_stop_reason: 'end_turn',
      $ai_http_status: 200,
      $ai_is_error: false,
      $ai_completion_id: final.id,
    })
    expect(event.properties.$ai_total_cost_usd).toBeCloseTo(input * SONNET.input + output * SONNET.output, 12)
    expect(event.properties.$ai_time_to_first_token).toBeGreaterThan(0)
    expect(event.properties.$ai_time_to_first_token).toBeLessThanOrEqual(event.properties.$ai_latency)
  })

  it('relays messages.create({stream: true}) event by event, without buffering', async () => {
    stack.anthropic.reset()
    const { data: stream, response } = await stack
      .anthropicClient()
      .messages.create({ model: MODEL, max_tokens: 256, stream: true, messages: say('scenario:slow-chunks'), metadata: { user_id: 'ant-stream-raw' } })
      .withResponse()
    expect(response.headers.get('x-openstack-cost-usd')).toBeNull()
    const types: string[] = []
    let text = ''
    let upstreamDoneAtFirstDelta: boolean | null = null
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        // The upstream writes an event every 80 ms: the first delta is here long before it has finished.
        upstreamDoneAtFirstDelta ??= stack.anthropic.messageRequests[0]?.events.some((e) => e.event === 'message_stop') ?? null
        text += event.delta.text
      }
    }
    expect(upstreamDoneAtFirstDelta).toBe(false)
    expect(text).toBe(FAKE_ANTHROPIC_TEXT)
    // Every event the upstream wrote reached the SDK, in order (the SDK itself skips pings).
    expect(types).toEqual(stack.anthropic.messageRequests[0]?.events.map((e) => e.event).filter((name) => name !== 'ping'))

    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.distinct_id).toBe('ant-stream-raw')
    expect(event.properties).toMatchObject({
      $ai_stream: true,
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_ANTHROPIC_TEXT }] }],
      $ai_input_tokens: FAKE_ANTHROPIC_USAGE.default.input_tokens,
      $ai_output_tokens: FAKE_ANTHROPIC_USAGE.default.output_tokens,
    })
    // 80 ms between upstream events: the first text arrives well before the last byte.
    expect(event.properties.$ai_time_to_first_token).toBeLessThan(event.properties.$ai_latency)
  })

  it('reports cache reads and writes beside the input tokens and prices them at the cache rates', async () => {
    const cached = FAKE_ANTHROPIC_USAGE.cached
    // Anthropic reports cache tokens exclusive of input_tokens: each pool is billed at its own rate.
    const inputCost =
      cached.input_tokens * SONNET.input + cached.cache_creation_input_tokens * SONNET.cacheWrite + cached.cache_read_input_tokens * SONNET.cacheRead
    const outputCost = cached.output_tokens * SONNET.output
    const expectedProperties = {
      $ai_input_tokens: cached.input_tokens,
      $ai_output_tokens: cached.output_tokens,
      $ai_cache_read_input_tokens: cached.cache_read_input_tokens,
      $ai_cache_creation_input_tokens: cached.cache_creation_input_tokens,
      $ai_cache_reporting_exclusive: true,
    }

    const { data, response } = await stack
      .anthropicClient()
      .messages.create({ model: MODEL, max_tokens: 64, messages: say('scenario:cached'), metadata: { user_id: 'ant-cached' } })
      .withResponse()
    expect(data.usage).toEqual(cached)
    const headerCost = Number(response.headers.get('x-openstack-cost-usd'))
    expect(headerCost).toBeCloseTo(inputCost + outputCost, 12)
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties).toMatchObject({ ...expectedProperties, $ai_stream: false })
    expect(event.properties.$ai_total_cost_usd).toBe(headerCost)
    expect(event.properties.$ai_input_cost_usd).toBeCloseTo(inputCost, 12)
    expect(event.properties.$ai_output_cost_usd).toBeCloseTo(outputCost, 12)

    // Streamed, the same counts come from message_start and message_delta.
    const final = await stack
      .anthropicClient()
      .messages.stream({ model: MODEL, max_tokens: 64, messages: say('scenario:cached'), metadata: { user_id: 'ant-cached-stream' } })
      .finalMessage()
    expect(final.usage).toMatchObject({ cache_read_input_tokens: cached.cache_read_input_tokens })
    const streamed = await eventOf('ant-cached-stream')
    expect(streamed.properties).toMatchObject({ ...expectedProperties, $ai_stream: true })
    expect(streamed.properties.$ai_total_cost_usd).toBeCloseTo(inputCost + outputCost, 12)
  })

  it('records a tool_use answer as a function call with the request tools', async () => {
    const expectedOutput = (args: unknown) => [
      {
        role: 'assistant',
        content: [
          { type: 'text', text: FAKE_TOOL_TEXT },
          { type: 'function', id: FAKE_TOOL_USE.id, function: { name: FAKE_TOOL_USE.name, arguments: args } },
        ],
      },
    ]
    const params = {
      model: MODEL,
      max_tokens: 512,
      tools: WEATHER_TOOLS,
      tool_choice: { type: 'auto' as const },
      messages: say('scenario:tool-use What is the weather in Paris?'),
    }

    const { data, response } = await stack
      .anthropicClient()
      .messages.create({ ...params, metadata: { user_id: 'ant-tools' } })
      .withResponse()
    expect(data.content).toEqual([{ type: 'text', text: FAKE_TOOL_TEXT }, FAKE_TOOL_USE])
    expect(data.stop_reason).toBe('tool_use')
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    const output = event.properties.$ai_output_choices
    expect(output).toEqual(expectedOutput(output[0].content[1].function.arguments))
    expect(parsedArguments(output[0].content[1].function.arguments)).toEqual(FAKE_TOOL_USE.input)
    expect(event.properties).toMatchObject({
      $ai_tools: WEATHER_TOOLS,
      $ai_stop_reason: 'tool_use',
      $ai_input_tokens: FAKE_ANTHROPIC_USAGE['tool-use'].input_tokens,
      $ai_output_tokens: FAKE_ANTHROPIC_USAGE['tool-use'].output_tokens,
    })

    // Streamed: the input_json_delta fragments merged into the whole input.
    const final = await stack
      .anthropicClient()
      .messages.stream({ ...params, metadata: { user_id: 'ant-tools-stream' } })
      .finalMessage()
    expect(final.content).toEqual([{ type: 'text', text: FAKE_TOOL_TEXT }, FAKE_TOOL_USE])
    const streamed = await eventOf('ant-tools-stream')
    const streamedOutput = streamed.properties.$ai_output_choices
    expect(streamedOutput).toEqual(expectedOutput(streamedOutput[0].content[1].function.arguments))
    expect(parsedArguments(streamedOutput[0].content[1].function.arguments)).toEqual(FAKE_TOOL_USE.input)
    expect(streamed.properties).toMatchObject({ $ai_tools: WEATHER_TOOLS, $ai_stop_reason: 'tool_use', $ai_stream: true })
    expect(streamed.properties.$ai_time_to_first_token).toBeGreaterThan(0)
  })

  it('keeps thinking blocks out of the recorded output, streamed or not', async () => {
    const thinking = FAKE_ANTHROPIC_USAGE.thinking
    const message = await stack
      .anthropicClient()
      .messages.create({ model: MODEL, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: say('scenario:thinking'), metadata: { user_id: 'ant-thinking' } })
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text'])
    const final = await stack
      .anthropicClient()
      .messages.stream({ model: MODEL, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: say('scenario:thinking'), metadata: { user_id: 'ant-thinking-stream' } })
      .finalMessage()
    expect(final.content).toEqual(message.content)
    for (const user of ['ant-thinking', 'ant-thinking-stream']) {
      const event = await eventOf(user)
      expect(event.properties).toMatchObject({
        $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_ANTHROPIC_TEXT }] }],
        $ai_input_tokens: thinking.input_tokens,
        // Thinking is billed inside output_tokens.
        $ai_output_tokens: thinking.output_tokens,
      })
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(thinking.input_tokens * SONNET.input + thinking.output_tokens * SONNET.output, 12)
    }
  })

  it('accepts the client key as Authorization: Bearer (authToken) and still sends only the provider key upstream', async () => {
    stack.anthropic.reset()
    const client = new Anthropic({ apiKey: null, authToken: KEYS.main, baseURL: stack.proxy.url, maxRetries: 0 })
    const message = await client.messages.create({ model: MODEL, max_tokens: 64, messages: say('Say hello'), metadata: { user_id: 'ant-bearer' } })
    expect(message.content).toEqual([{ type: 'text', text: FAKE_ANTHROPIC_TEXT }])
    const [request] = stack.anthropic.messageRequests
    expect(request?.headers['x-api-key']).toBe(SECRETS.anthropic)
    expect(request?.headers.authorization).toBeUndefined()
    expect(JSON.stringify(request?.headers)).not.toContain(KEYS.main)
    expect((await eventOf('ant-bearer')).properties.$ai_provider).toBe('anthropic')
  })

  it('refuses a wrong client key with an Anthropic-format 401 the SDK raises as AuthenticationError', async () => {
    stack.anthropic.reset()
    const wrongKey = 'sk-ant-wrong-client-key'
    for (const client of [
      stack.anthropicClient(wrongKey),
      new Anthropic({ apiKey: null, authToken: wrongKey, baseURL: stack.proxy.url, maxRetries: 0 }),
    ]) {
      const error = await rejection(client.messages.create({ model: MODEL, max_tokens: 64, messages: say('Say hello'), metadata: { user_id: 'ant-denied' } }))
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError)
      const apiError = error as APIError
      expect(apiError.status).toBe(401)
      expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('Invalid API key') } })
      expect(apiError.message).toContain('matches no paywall')
      expect(apiError.message).not.toContain(wrongKey)
      seenByClients.push(apiError.message)
    }

    // No key at all: a 401 in the same format.
    const missing = await fetch(`${stack.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 64, messages: say('Say hello') }),
    })
    expect(missing.status).toBe(401)
    expect(await missing.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('Missing API key') } })
    expect(stack.anthropic.requests).toEqual([])
  })

  it('relays upstream errors in Anthropic format with their status, and records each one', async () => {
    const bad = (await rejection(
      stack.anthropicClient().messages.create({ model: MODEL, max_tokens: 64, messages: say('scenario:error-400'), metadata: { user_id: 'ant-err-400' } }),
    )) as APIError
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError)
    expect(bad.status).toBe(400)
    expect(bad.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: error400Message(MODEL) } })
    const badEvent = await stack.eventFor(bad.headers?.get('x-openstack-request-id') ?? null)
    expect(badEvent.distinct_id).toBe('ant-err-400')
    expect(badEvent.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 400, $ai_provider: 'anthropic', $ai_model: MODEL })
    expect(badEvent.properties.$ai_error).toContain(error400Message(MODEL))
    expect(badEvent.properties).not.toHaveProperty('$ai_total_cost_usd')

    const limited = (await rejection(
      stack.anthropicClient().messages.create({ model: MODEL, max_tokens: 64, messages: say('scenario:error-429'), metadata: { user_id: 'ant-err-429' } }),
    )) as APIError
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError)
    expect(limited.status).toBe(429)
    expect(limited.headers?.get('retry-after')).toBe('1')
    expect(limited.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0')
    expect(limited.error).toMatchObject(ANTHROPIC_ERROR_429_BODY)
    const limitedEvent = await eventOf('ant-err-429')
    expect(limitedEvent.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 429 })
    expect(limitedEvent.properties.$ai_error).toContain(ANTHROPIC_ERROR_429_BODY.error.message)

    const overloaded = (await rejection(
      stack.anthropicClient().messages.create({ model: MODEL, max_tokens: 64, messages: say('scenario:overloaded'), metadata: { user_id: 'ant-err-529' } }),
    )) as APIError
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError)
    expect(overloaded.status).toBe(529)
    expect(overloaded.error).toMatchObject(ANTHROPIC_OVERLOADED_BODY)
    const overloadedEvent = await eventOf('ant-err-529')
    expect(overloadedEvent.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 529 })
    expect(overloadedEvent.properties.$ai_error).toContain(ANTHROPIC_OVERLOADED_BODY.error.message)

    // A streamed request the upstream refuses before streaming: the same error, and an event for it.
    const streamed = (await rejection(
      stack
        .anthropicClient()
        .messages.stream({ model: MODEL, max_tokens: 64, messages: say('scenario:error-400'), metadata: { user_id: 'ant-err-400-stream' } })
        .finalMessage(),
    )) as APIError
    expect(streamed).toBeInstanceOf(Anthropic.BadRequestError)
    expect(streamed.error).toMatchObject({ error: { message: error400Message(MODEL) } })
    const streamedEvent = await eventOf('ant-err-400-stream')
    expect(streamedEvent.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 400, $ai_stream: true })
    seenByClients.push(bad.message, limited.message, overloaded.message, streamed.message)
  })

  it("answers the proxy's own 400s in Anthropic format, without calling upstream", async () => {
    stack.anthropic.reset()
    const client = stack.anthropicClient()
    // The SDK sends a string body verbatim when the content type is set.
    const invalidJson = (await rejection(
      client.post('/v1/messages', { body: '{"model": "claude-sonnet-4-5", "messages": [', headers: { 'content-type': 'application/json' } }),
    )) as APIError
    expect(invalidJson).toBeInstanceOf(Anthropic.BadRequestError)
    expect(invalidJson.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('not valid JSON') } })

    const missingModel = (await rejection(
      // @ts-expect-error: the model is left out on purpose
      client.messages.create({ max_tokens: 64, messages: say('Say hello'), metadata: { user_id: 'ant-no-model' } }),
    )) as APIError
    expect(missingModel).toBeInstanceOf(Anthropic.BadRequestError)
    expect(missingModel.error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('Missing required parameter: "model"') },
    })
    expect(stack.anthropic.requests).toEqual([])

    // Raw HTTP: the same format, and the request id is there to quote.
    const raw = await fetch(`${stack.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEYS.main, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: 'not json',
    })
    expect(raw.status).toBe(400)
    expect(raw.headers.get('x-openstack-request-id')).toBeTruthy()
    expect(await raw.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect(stack.anthropic.requests).toEqual([])
  })

  it('raises the mid-stream error event in the SDK and records the failure with what had arrived', async () => {
    const { data: stream, response } = await stack
      .anthropicClient()
      .messages.create({ model: MODEL, max_tokens: 64, stream: true, messages: say('scenario:error-mid-stream'), metadata: { user_id: 'ant-mid-stream' } })
      .withResponse()
    let text = ''
    const failure = await rejection(
      (async () => {
        for await (const event of stream) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text
        }
      })(),
    )
    expect(failure).toBeInstanceOf(APIError)
    expect((failure as APIError).error).toMatchObject(ANTHROPIC_OVERLOADED_BODY)
    expect(text).toBe(MID_STREAM_PIECES.join(''))

    const recorded = {
      $ai_is_error: true,
      $ai_stream: true,
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: MID_STREAM_PIECES.join('') }] }],
      $ai_input_tokens: FAKE_ANTHROPIC_USAGE['error-mid-stream'].input_tokens,
    }
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties).toMatchObject(recorded)
    // The SDK closes the connection once it has raised, sometimes before the upstream's last byte: the
    // upstream's own error still explains the event, not the client's going away.
    expect(event.properties.$ai_error).toContain(ANTHROPIC_OVERLOADED_BODY.error.message)
    expect(event.properties.$ai_http_status).toBe(200)

    // A client that reads the stream to its end: the error event is relayed in Anthropic format and recorded.
    const raw = await stack
      .anthropicClient()
      .messages.create({ model: MODEL, max_tokens: 64, stream: true, messages: say('scenario:error-mid-stream'), metadata: { user_id: 'ant-mid-stream-raw' } })
      .asResponse()
    const body = await raw.text()
    expect(body.trimEnd().endsWith(`event: error\ndata: ${JSON.stringify(ANTHROPIC_OVERLOADED_BODY)}`)).toBe(true)
    const rawEvent = await eventOf('ant-mid-stream-raw')
    expect(rawEvent.properties).toMatchObject(recorded)
    expect(rawEvent.properties.$ai_error).toContain(ANTHROPIC_OVERLOADED_BODY.error.message)
  })

  it('sends one event per request and never lets a key reach a client, an event or the upstream URL', async () => {
    const ids = stack.posthog.events.map((event) => event.properties.openstack_request_id)
    expect(ids.length).toBeGreaterThan(10)
    expect(new Set(ids).size).toBe(ids.length)
    // Event contents only: the batch envelope's api_key is the PostHog project key, as it must be.
    const events = JSON.stringify(stack.posthog.events.map((event) => ({ ...event, api_key: undefined })))
    const clients = seenByClients.join('\n')
    for (const secret of Object.values(SECRETS)) {
      expect(events).not.toContain(secret)
      expect(clients).not.toContain(secret)
    }
    expect(events).not.toContain(KEYS.main)
    expect(upstreamSeen.length).toBeGreaterThan(10)
    for (const request of upstreamSeen) {
      expect(request.headers['x-api-key']).toBe(SECRETS.anthropic)
      expect(request.headers.authorization).toBeUndefined()
      expect(JSON.stringify(request.headers)).not.toContain(KEYS.main)
    }
    expect(stack.posthog.errors).toEqual([])
  })
})
