import { ApiError, type GenerateContentResponse, type Tool, Type } from '@google/genai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  FAKE_GEMINI_FUNCTION_CALL,
  FAKE_GEMINI_TEXT,
  FAKE_GEMINI_TEXT_PIECES,
  FAKE_GEMINI_THOUGHT,
  FAKE_GEMINI_TRUNCATED_TEXT,
  FAKE_GEMINI_USAGE,
  GEMINI_ERROR_400_BODY,
  GEMINI_ERROR_429_BODY,
  GEMINI_ERROR_500_BODY,
  type GeminiRecordedRequest,
} from '../fakes/gemini-upstream.ts'
import type { CapturedEvent } from '../fakes/posthog-capture.ts'
import { KEYS, SECRETS } from '../harness/config.ts'
import { runtimes } from '../harness/proxy-process.ts'
import { type Stack, startStack } from '../harness/stack.ts'

// gemini-2.5-flash, Standard (paid) tier, USD per token, from Google's pricing page
// (https://ai.google.dev/gemini-api/docs/pricing, "Gemini 2.5 Flash"): input $0.30 / MTok (text/image/video),
// output $2.50 / MTok "including thinking tokens", context caching $0.03 / MTok (text/image/video; 10% of input).
// Cached tokens are part of promptTokenCount, so they are billed at the cache rate instead of the input rate.
// (The price database, @pydantic/genai-prices, files these under provider `google`; the event says `gemini`.)
const FLASH = { input: 0.3e-6, cacheRead: 0.03e-6, output: 2.5e-6 }
const MODEL = 'gemini-2.5-flash'

const userTurn = (text: string) => [{ role: 'user', parts: [{ text }] }]

const WEATHER_TOOLS: Tool[] = [
  {
    functionDeclarations: [
      {
        name: 'get_weather',
        description: 'Current weather for a place',
        parameters: {
          type: Type.OBJECT,
          properties: { location: { type: Type.STRING }, unit: { type: Type.STRING, enum: ['celsius', 'fahrenheit'] } },
          required: ['location'],
        },
      },
    ],
  },
]

/** The promise's rejection (or a failure when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error,
  )
}

/** The Gemini SDK raises ApiError with the error body, JSON-encoded, as its message. */
function errorBodyOf(error: unknown): unknown {
  expect(error).toBeInstanceOf(ApiError)
  return JSON.parse((error as ApiError).message)
}

/** A function call's arguments: the proxy may keep them as JSON text or as the object @posthog/ai keeps. */
function parsedArguments(args: unknown): unknown {
  return typeof args === 'string' ? JSON.parse(args) : args
}

const text = (value: string) => [{ role: 'assistant', content: [{ type: 'text', text: value }] }]

describe.each(runtimes)('Gemini generateContent through the proxy on %s', (runtime) => {
  let stack: Stack
  /** Every answer and error the proxy gave a client, to check no secret ever reached one. */
  const seenByClients: string[] = []
  /** Every request the fake upstream received, across tests. */
  const upstreamSeen: GeminiRecordedRequest[] = []

  beforeAll(async () => {
    stack = await startStack(runtime)
  })
  afterEach(() => {
    upstreamSeen.push(...stack.gemini.requests)
    stack.gemini.reset()
  })
  afterAll(() => stack?.stop())

  const eventOf = (user: string): Promise<CapturedEvent> => stack.posthog.waitForEvent((event) => event.distinct_id === user)
  const withUser = (user: string) => ({ httpOptions: { headers: { 'X-Openstack-User': user } } })
  const requestIdOf = (response: GenerateContentResponse) => response.sdkHttpResponse?.headers?.['x-openstack-request-id'] ?? null

  /** A raw POST to the proxy's Gemini route. */
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

  it('answers generateContent unchanged and records one complete event for the X-Openstack-User header', async () => {
    stack.gemini.reset()
    const startedAt = Date.now()
    const contents = [
      { role: 'user', parts: [{ text: 'Hi' }] },
      { role: 'model', parts: [{ text: 'Hello.' }] },
      { role: 'user', parts: [{ text: 'Say hello' }] },
    ]
    const response = await stack.geminiClient().models.generateContent({
      model: MODEL,
      contents,
      config: { systemInstruction: 'You are terse.', temperature: 0.3, maxOutputTokens: 100, ...withUser('gem-header-user') },
    })
    seenByClients.push(JSON.stringify(response))
    expect(response.text).toBe(FAKE_GEMINI_TEXT)
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 9, candidatesTokenCount: 7 })
    expect(response.modelVersion).toBe(MODEL)

    const { promptTokenCount: input, candidatesTokenCount: output = 0 } = FAKE_GEMINI_USAGE.default
    const expectedCost = input * FLASH.input + output * FLASH.output
    const headerCost = Number(response.sdkHttpResponse?.headers?.['x-openstack-cost-usd'])
    expect(headerCost).toBeCloseTo(expectedCost, 12)

    const requestId = requestIdOf(response)
    const event = await stack.eventFor(requestId)
    expect(event.event).toBe('$ai_generation')
    expect(event.distinct_id).toBe('gem-header-user')
    expect(Date.parse(event.timestamp)).toBeGreaterThanOrEqual(startedAt - 1000)
    expect(event.properties).toMatchObject({
      $ai_provider: 'gemini',
      $ai_model: MODEL,
      $ai_input: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Say hello' }] },
      ],
      $ai_output_choices: text(FAKE_GEMINI_TEXT),
      $ai_input_tokens: input,
      $ai_output_tokens: output,
      $ai_cache_reporting_exclusive: false,
      $ai_stop_reason: 'STOP',
      $ai_stream: false,
      $ai_temperature: 0.3,
      $ai_max_tokens: 100,
      $ai_http_status: 200,
      $ai_is_error: false,
      $ai_completion_id: response.responseId,
      $ai_base_url: stack.gemini.url,
      $ai_request_url: `${stack.gemini.url}/v1beta/models/${MODEL}:generateContent`,
      $ai_cost_passthrough: true,
      openstack_paywall_id: 'pw_main',
      openstack_request_id: requestId,
    })
    expect(event.properties.$ai_total_cost_usd).toBe(headerCost)
    expect(event.properties.$ai_input_cost_usd).toBeCloseTo(input * FLASH.input, 12)
    expect(event.properties.$ai_output_cost_usd).toBeCloseTo(output * FLASH.output, 12)
    expect(event.properties).not.toHaveProperty('$ai_time_to_first_token')
    expect(event.properties).not.toHaveProperty('$ai_tools')

    // Upstream: the SDK's body as sent, the paywall's key in the header, no key in the URL.
    const [request] = stack.gemini.generateRequests
    expect(request).toMatchObject({ path: `/v1beta/models/${MODEL}:generateContent`, query: {}, keySource: 'header', action: 'generateContent' })
    expect(request?.headers['x-goog-api-key']).toBe(SECRETS.gemini)
    expect(JSON.stringify(request?.headers)).not.toContain(KEYS.main)
    expect(Object.keys(request?.headers ?? {}).filter((name) => name.startsWith('x-openstack'))).toEqual([])
    expect(request?.body).toMatchObject({
      contents,
      systemInstruction: { parts: [{ text: 'You are terse.' }] },
      generationConfig: { temperature: 0.3, maxOutputTokens: 100 },
    })
    expect(stack.posthog.errors).toEqual([])
  })

  it('relays generateContentStream and records the merged stream under the /{user}/ path prefix', async () => {
    stack.gemini.reset()
    const client = stack.geminiClient(KEYS.main, `${stack.proxy.url}/gem-path-user`)
    const stream = await client.models.generateContentStream({ model: MODEL, contents: userTurn('Say hello') })
    const pieces: string[] = []
    let requestId: string | null = null
    for await (const chunk of stream) {
      requestId ??= requestIdOf(chunk)
      pieces.push(chunk.text ?? '')
    }
    expect(pieces).toEqual(FAKE_GEMINI_TEXT_PIECES)

    const [request] = stack.gemini.generateRequests
    expect(request).toMatchObject({ path: `/v1beta/models/${MODEL}:streamGenerateContent`, query: { alt: 'sse' }, keySource: 'header' })
    expect(request?.headers['x-goog-api-key']).toBe(SECRETS.gemini)

    const event = await stack.eventFor(requestId)
    expect(event.distinct_id).toBe('gem-path-user')
    const { promptTokenCount: input, candidatesTokenCount: output = 0 } = FAKE_GEMINI_USAGE.default
    expect(event.properties).toMatchObject({
      $ai_provider: 'gemini',
      $ai_model: MODEL,
      $ai_stream: true,
      $ai_input: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }],
      $ai_output_choices: text(FAKE_GEMINI_TEXT),
      $ai_input_tokens: input,
      $ai_output_tokens: output,
      $ai_stop_reason: 'STOP',
      $ai_http_status: 200,
      $ai_is_error: false,
      $ai_request_url: `${stack.gemini.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`,
    })
    expect(event.properties.$ai_total_cost_usd).toBeCloseTo(input * FLASH.input + output * FLASH.output, 12)
    expect(event.properties.$ai_time_to_first_token).toBeGreaterThan(0)
    expect(event.properties.$ai_time_to_first_token).toBeLessThanOrEqual(event.properties.$ai_latency)

    // The header beats the path prefix.
    const again = await client.models.generateContentStream({ model: MODEL, contents: userTurn('Say hello'), config: withUser('gem-header-beats-path') })
    let againId: string | null = null
    for await (const chunk of again) againId ??= requestIdOf(chunk)
    expect((await stack.eventFor(againId)).distinct_id).toBe('gem-header-beats-path')
  })

  it('takes the client key from ?key= too, and sends only the provider key upstream, in a header', async () => {
    stack.gemini.reset()
    const response = await post(`/v1beta/models/${MODEL}:generateContent?key=${KEYS.main}`, { contents: userTurn('Say hello') }, { 'X-Openstack-User': 'gem-query-key' })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { candidates: { content: { parts: { text: string }[] } }[] }
    seenByClients.push(JSON.stringify(body))
    expect(body.candidates[0]?.content.parts[0]?.text).toBe(FAKE_GEMINI_TEXT)

    const [request] = stack.gemini.generateRequests
    expect(request?.keySource).toBe('header')
    expect(request?.headers['x-goog-api-key']).toBe(SECRETS.gemini)
    expect(request?.query).toEqual({})
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.distinct_id).toBe('gem-query-key')
    expect(event.properties.$ai_request_url).toBe(`${stack.gemini.url}/v1beta/models/${MODEL}:generateContent`)

    // Streamed with both query parameters: alt goes on, key stays.
    stack.gemini.reset()
    const streamed = await post(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse&key=${KEYS.main}`, { contents: userTurn('Say hello') }, { 'X-Openstack-User': 'gem-query-key' })
    expect(streamed.status).toBe(200)
    expect(streamed.headers.get('content-type')).toContain('text/event-stream')
    seenByClients.push(await streamed.text())
    expect(stack.gemini.generateRequests[0]).toMatchObject({ query: { alt: 'sse' }, keySource: 'header' })
    expect(stack.gemini.generateRequests[0]?.headers['x-goog-api-key']).toBe(SECRETS.gemini)
  })

  it('refuses a wrong client key with a Gemini-format 401, from the SDK and from ?key=', async () => {
    stack.gemini.reset()
    const wrongKey = 'gemini-wrong-client-key'
    const error = await rejection(stack.geminiClient(wrongKey).models.generateContent({ model: MODEL, contents: userTurn('Say hello'), config: withUser('gem-denied') }))
    expect((error as ApiError).status).toBe(401)
    expect(errorBodyOf(error)).toEqual({ error: { code: 401, message: expect.stringContaining('Invalid API key'), status: 'UNAUTHENTICATED' } })
    expect((error as ApiError).message).not.toContain(wrongKey)

    const raw = await post(`/v1beta/models/${MODEL}:generateContent?key=${wrongKey}`, { contents: userTurn('Say hello') })
    expect(raw.status).toBe(401)
    const rawBody = await raw.text()
    expect(JSON.parse(rawBody)).toEqual({ error: { code: 401, message: expect.stringContaining('matches no paywall'), status: 'UNAUTHENTICATED' } })
    expect(rawBody).not.toContain(wrongKey)
    seenByClients.push((error as ApiError).message, rawBody)
    expect(stack.gemini.requests).toEqual([])
  })

  it('records functionCall parts as function calls, with the request tools', async () => {
    stack.gemini.reset()
    const config = { tools: WEATHER_TOOLS }
    const response = await stack.geminiClient().models.generateContent({
      model: MODEL,
      contents: userTurn('scenario:function-call What is the weather in Paris?'),
      config: { ...config, ...withUser('gem-function') },
    })
    expect(response.functionCalls).toEqual([FAKE_GEMINI_FUNCTION_CALL])
    const sentTools = (stack.gemini.generateRequests[0]?.body as { tools: unknown }).tools
    expect(JSON.stringify(sentTools)).toContain('get_weather')

    const usage = FAKE_GEMINI_USAGE['function-call']
    for (const [event, stream] of [
      [await stack.eventFor(requestIdOf(response)), false],
      [
        await (async () => {
          const chunks = await stack.geminiClient().models.generateContentStream({
            model: MODEL,
            contents: userTurn('scenario:function-call What is the weather in Paris?'),
            config: { ...config, ...withUser('gem-function-stream') },
          })
          const calls = []
          for await (const chunk of chunks) calls.push(...(chunk.functionCalls ?? []))
          expect(calls).toEqual([FAKE_GEMINI_FUNCTION_CALL])
          return eventOf('gem-function-stream')
        })(),
        true,
      ],
    ] as const) {
      const output = event.properties.$ai_output_choices
      expect(output).toMatchObject([
        { role: 'assistant', content: [{ type: 'function', function: { name: FAKE_GEMINI_FUNCTION_CALL.name } }] },
      ])
      expect(output[0].content).toHaveLength(1)
      expect(parsedArguments(output[0].content[0].function.arguments)).toEqual(FAKE_GEMINI_FUNCTION_CALL.args)
      expect(event.properties).toMatchObject({
        $ai_tools: sentTools,
        $ai_stream: stream,
        $ai_stop_reason: 'STOP',
        $ai_input_tokens: usage.promptTokenCount,
        $ai_output_tokens: usage.candidatesTokenCount,
      })
    }
  })

  it('reports thoughts as reasoning beside the output (as @posthog/ai does), prices them as output, and keeps thought summaries out of the output', async () => {
    const thinking = FAKE_GEMINI_USAGE.thinking
    const response = await stack.geminiClient().models.generateContent({
      model: MODEL,
      contents: userTurn('scenario:thinking Say hello'),
      config: { thinkingConfig: { includeThoughts: true }, ...withUser('gem-thinking') },
    })
    expect(response.candidates?.[0]?.content?.parts?.[0]).toMatchObject({ text: FAKE_GEMINI_THOUGHT, thought: true })
    expect(response.text).toBe(FAKE_GEMINI_TEXT)

    // Google bills thoughts as output.
    const billedOutput = (thinking.candidatesTokenCount ?? 0) + (thinking.thoughtsTokenCount ?? 0)
    const expectedCost = thinking.promptTokenCount * FLASH.input + billedOutput * FLASH.output
    const headerCost = Number(response.sdkHttpResponse?.headers?.['x-openstack-cost-usd'])
    expect(headerCost).toBeCloseTo(expectedCost, 12)
    const event = await stack.eventFor(requestIdOf(response))
    expect(event.properties).toMatchObject({
      $ai_input_tokens: thinking.promptTokenCount,
      // PostHog adds the reasoning of Gemini events to their output itself.
      $ai_output_tokens: thinking.candidatesTokenCount,
      $ai_reasoning_tokens: thinking.thoughtsTokenCount,
      $ai_output_choices: text(FAKE_GEMINI_TEXT),
    })
    expect(event.properties.$ai_total_cost_usd).toBe(headerCost)
    expect(event.properties.$ai_output_cost_usd).toBeCloseTo(billedOutput * FLASH.output, 12)
  })

  it('reports cached prompt tokens inside the input and prices them at the caching rate', async () => {
    const cached = FAKE_GEMINI_USAGE.cached
    const cachedTokens = cached.cachedContentTokenCount ?? 0
    const inputCost = (cached.promptTokenCount - cachedTokens) * FLASH.input + cachedTokens * FLASH.cacheRead
    const outputCost = (cached.candidatesTokenCount ?? 0) * FLASH.output
    const expected = {
      $ai_input_tokens: cached.promptTokenCount,
      $ai_output_tokens: cached.candidatesTokenCount,
      $ai_cache_read_input_tokens: cachedTokens,
      $ai_cache_reporting_exclusive: false,
    }

    const response = await stack.geminiClient().models.generateContent({ model: MODEL, contents: userTurn('scenario:cached'), config: withUser('gem-cached') })
    const headerCost = Number(response.sdkHttpResponse?.headers?.['x-openstack-cost-usd'])
    expect(headerCost).toBeCloseTo(inputCost + outputCost, 12)
    const event = await stack.eventFor(requestIdOf(response))
    expect(event.properties).toMatchObject(expected)
    expect(event.properties.$ai_total_cost_usd).toBe(headerCost)
    expect(event.properties.$ai_input_cost_usd).toBeCloseTo(inputCost, 12)

    const stream = await stack.geminiClient().models.generateContentStream({ model: MODEL, contents: userTurn('scenario:cached'), config: withUser('gem-cached-stream') })
    for await (const chunk of stream) void chunk
    const streamed = await eventOf('gem-cached-stream')
    expect(streamed.properties).toMatchObject({ ...expected, $ai_stream: true })
    expect(streamed.properties.$ai_total_cost_usd).toBeCloseTo(inputCost + outputCost, 12)
  })

  it('relays upstream errors in Gemini format with their status, and records each one', async () => {
    for (const [scenario, status, body] of [
      ['error-400', 400, GEMINI_ERROR_400_BODY],
      ['error-429', 429, GEMINI_ERROR_429_BODY],
      ['error-500', 500, GEMINI_ERROR_500_BODY],
    ] as const) {
      const user = `gem-${scenario}`
      const error = await rejection(stack.geminiClient().models.generateContent({ model: MODEL, contents: userTurn(`scenario:${scenario}`), config: withUser(user) }))
      expect((error as ApiError).status).toBe(status)
      // Passed through whole, details included.
      expect(errorBodyOf(error)).toEqual(body)
      seenByClients.push((error as ApiError).message)
      const event = await eventOf(user)
      expect(event.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: status, $ai_provider: 'gemini', $ai_stream: false })
      expect(event.properties.$ai_error).toContain(body.error.message.trim())
      expect(event.properties).not.toHaveProperty('$ai_total_cost_usd')
    }

    // A stream the upstream refuses: the SDK raises, and the event says so.
    const error = await rejection(
      (async () => {
        const stream = await stack.geminiClient().models.generateContentStream({ model: MODEL, contents: userTurn('scenario:error-429'), config: withUser('gem-error-stream') })
        for await (const chunk of stream) void chunk
      })(),
    )
    expect((error as ApiError).status).toBe(429)
    expect(errorBodyOf(error)).toEqual(GEMINI_ERROR_429_BODY)
    const event = await eventOf('gem-error-stream')
    expect(event.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 429, $ai_stream: true })
  })

  it('records finishReason SAFETY and MAX_TOKENS as the stop reason', async () => {
    const blocked = await stack.geminiClient().models.generateContent({ model: MODEL, contents: userTurn('scenario:safety'), config: withUser('gem-safety') })
    expect(blocked.candidates?.[0]?.finishReason).toBe('SAFETY')
    expect(blocked.text).toBeUndefined()
    const safety = await stack.eventFor(requestIdOf(blocked))
    expect(safety.properties).toMatchObject({
      $ai_stop_reason: 'SAFETY',
      $ai_input_tokens: FAKE_GEMINI_USAGE.safety.promptTokenCount,
      $ai_output_tokens: 0,
      $ai_http_status: 200,
    })

    const stream = await stack.geminiClient().models.generateContentStream({ model: MODEL, contents: userTurn('scenario:max-tokens'), config: withUser('gem-max-tokens') })
    let streamed = ''
    for await (const chunk of stream) streamed += chunk.text ?? ''
    expect(streamed).toBe(FAKE_GEMINI_TRUNCATED_TEXT)
    const truncated = await eventOf('gem-max-tokens')
    expect(truncated.properties).toMatchObject({
      $ai_stop_reason: 'MAX_TOKENS',
      $ai_output_choices: text(FAKE_GEMINI_TRUNCATED_TEXT),
      $ai_input_tokens: FAKE_GEMINI_USAGE['max-tokens'].promptTokenCount,
      $ai_output_tokens: FAKE_GEMINI_USAGE['max-tokens'].candidatesTokenCount,
    })
  })

  it('relays streamGenerateContent without alt=sse as the JSON array it is, and still records the merged answer', async () => {
    stack.gemini.reset()
    const response = await post(`/v1beta/models/${MODEL}:streamGenerateContent`, { contents: userTurn('Say hello') }, { 'x-goog-api-key': KEYS.main, 'X-Openstack-User': 'gem-json-array' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    const raw = await response.text()
    seenByClients.push(raw)
    const chunks = JSON.parse(raw) as GenerateContentResponse[]
    expect(Array.isArray(chunks)).toBe(true)
    expect(chunks.map((chunk) => chunk.candidates?.[0]?.content?.parts?.[0]?.text)).toEqual(FAKE_GEMINI_TEXT_PIECES)
    expect(chunks.at(-1)?.usageMetadata).toEqual(FAKE_GEMINI_USAGE.default)
    // Byte for byte what the fake wrote (compact JSON.stringify output).
    expect(raw).toBe(JSON.stringify(chunks))
    expect(stack.gemini.generateRequests[0]).toMatchObject({ action: 'streamGenerateContent', query: {}, keySource: 'header' })

    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.distinct_id).toBe('gem-json-array')
    expect(event.properties).toMatchObject({
      $ai_stream: true,
      $ai_output_choices: text(FAKE_GEMINI_TEXT),
      $ai_input_tokens: FAKE_GEMINI_USAGE.default.promptTokenCount,
      $ai_output_tokens: FAKE_GEMINI_USAGE.default.candidatesTokenCount,
      $ai_stop_reason: 'STOP',
      $ai_request_url: `${stack.gemini.url}/v1beta/models/${MODEL}:streamGenerateContent`,
    })
  })

  it('sends one event per request and never lets a key reach a client, an event or an upstream URL', async () => {
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
      expect(request.query).not.toHaveProperty('key')
      expect(request.keySource).toBe('header')
      expect(request.headers['x-goog-api-key']).toBe(SECRETS.gemini)
      expect(JSON.stringify(request.headers)).not.toContain(KEYS.main)
    }
    expect(stack.posthog.errors).toEqual([])
  })
})
