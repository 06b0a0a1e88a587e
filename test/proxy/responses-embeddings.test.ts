import OpenAI, { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  EMBEDDINGS_ERROR_400_BODY,
  ERROR_400_BODY,
  ERROR_429_BODY,
  FAKE_FUNCTION_CALLS,
  FAKE_RESPONSES_USAGE,
  FAKE_TEXT,
  RESET_PIECES,
  RESPONSE_FAILED_ERROR,
  fakeEmbedding,
  fakeEmbeddingTokens,
} from '../fakes/openai-upstream.ts'
import type { CapturedEvent } from '../fakes/posthog-capture.ts'
import { KEYS, SECRETS } from '../harness/config.ts'
import { runtimes } from '../harness/proxy-process.ts'
import { type Stack, startStack } from '../harness/stack.ts'

// gpt-4o-mini list prices, USD per token (https://platform.openai.com/docs/pricing):
// $0.15 / MTok input, $0.075 / MTok cached input, $0.60 / MTok output (reasoning is billed as output).
const MINI = { input: 0.15e-6, cachedInput: 0.075e-6, output: 0.6e-6 }

const requestIdOf = (response: Response) => response.headers.get('x-openstack-request-id')
const errorRequestId = (error: unknown) => (error as APIError).headers?.get('x-openstack-request-id') ?? null

/**
 * No provider, PostHog or client key in what a client sees or an event says. (An event's batch carries
 * the PostHog project key as `api_key`, as it must: pass events' properties.)
 */
function expectNoSecrets(...values: unknown[]) {
  const text = JSON.stringify(values)
  for (const secret of [...Object.values(SECRETS), KEYS.main]) expect(text).not.toContain(secret)
}

describe.each(runtimes)('Responses and Embeddings through the proxy on %s', (runtime) => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack(runtime)
  })
  afterAll(() => stack?.stop())

  describe('POST /v1/responses', () => {
    const instructions = 'You are terse.'
    const conversation: OpenAI.Responses.ResponseInputItem[] = [
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello Ada.' },
      { role: 'user', content: [{ type: 'input_text', text: 'Say hello' }] },
    ]
    // @posthog/ai's formatOpenAIResponsesInput: instructions first as a system message, then one
    // {role, content} per item, content as a string (JSON for content parts).
    const normalisedConversation = [
      { role: 'system', content: instructions },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello Ada.' },
      { role: 'user', content: JSON.stringify([{ type: 'input_text', text: 'Say hello' }]) },
    ]

    function expectDefaultEvent(event: CapturedEvent) {
      expect(event.event).toBe('$ai_generation')
      expect(event.properties).toMatchObject({
        $ai_provider: 'openai',
        $ai_model: 'gpt-4o-mini-2024-07-18',
        $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_TEXT }] }],
        $ai_input_tokens: FAKE_RESPONSES_USAGE.default.input_tokens,
        $ai_output_tokens: FAKE_RESPONSES_USAGE.default.output_tokens,
        $ai_cache_reporting_exclusive: false,
        $ai_http_status: 200,
        $ai_is_error: false,
        $ai_cost_passthrough: true,
        $ai_request_url: `${stack.upstream.url}/responses`,
      })
      const { input_tokens: input, output_tokens: output } = FAKE_RESPONSES_USAGE.default
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(input * MINI.input + output * MINI.output, 12)
      expect(event.properties.$ai_input_cost_usd).toBeCloseTo(input * MINI.input, 12)
      expect(event.properties.$ai_output_cost_usd).toBeCloseTo(output * MINI.output, 12)
      expectNoSecrets(event.properties)
    }

    it('answers a non-streamed request and records input, output, tokens, cost, max tokens and the body user', async () => {
      stack.upstream.reset()
      const body = { model: 'gpt-4o-mini', instructions, input: conversation, max_output_tokens: 300, temperature: 0.4, user: 'resp-user-1' }
      const { data, response } = await stack.client().responses.create(body).withResponse()

      expect(data.object).toBe('response')
      expect(data.status).toBe('completed')
      expect(data.output_text).toBe(FAKE_TEXT)
      expect(data.usage).toMatchObject({ input_tokens: 12, output_tokens: 7 })
      const [request] = stack.upstream.responsesRequests
      expect(request?.body).toEqual(body)
      expect(request?.headers.authorization).toBe(`Bearer ${SECRETS.openai}`)
      expectNoSecrets(data, [...response.headers])

      const event = await stack.eventFor(requestIdOf(response))
      expect(event.distinct_id).toBe('resp-user-1')
      expectDefaultEvent(event)
      expect(event.properties).toMatchObject({
        $ai_input: normalisedConversation,
        $ai_max_tokens: 300,
        $ai_temperature: 0.4,
        $ai_stream: false,
        $ai_completion_id: data.id,
      })
      expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(event.properties.$ai_total_cost_usd, 15)
    })

    it('relays a streamed response event by event and records it like a non-streamed one', async () => {
      const { data: stream, response } = await stack
        .client()
        .responses.create({ model: 'gpt-4o-mini', instructions, input: 'Say hello', stream: true, max_output_tokens: 64, user: 'resp-user-stream' })
        .withResponse()
      let text = ''
      const types: string[] = []
      let completed: OpenAI.Responses.Response | null = null
      for await (const event of stream) {
        types.push(event.type)
        if (event.type === 'response.output_text.delta') text += event.delta
        if (event.type === 'response.completed') completed = event.response
      }
      expect(text).toBe(FAKE_TEXT)
      expect(types[0]).toBe('response.created')
      expect(types.at(-1)).toBe('response.completed')
      expect(completed?.output).toMatchObject([{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: FAKE_TEXT }] }])

      const event = await stack.eventFor(requestIdOf(response))
      expect(event.distinct_id).toBe('resp-user-stream')
      expectDefaultEvent(event)
      expect(event.properties).toMatchObject({
        // A string input is one user message after the instructions.
        $ai_input: [
          { role: 'system', content: instructions },
          { role: 'user', content: 'Say hello' },
        ],
        $ai_max_tokens: 64,
        $ai_stream: true,
        $ai_completion_id: completed?.id,
      })
      expect(event.properties.$ai_time_to_first_token).toBeGreaterThan(0)
    })

    it('gives responses.stream(...).finalResponse() the whole answer', async () => {
      const runner = stack.client().responses.stream({ model: 'gpt-4o-mini', input: conversation, user: 'resp-user-final' })
      const final = await runner.finalResponse()
      expect(final.output_text).toBe(FAKE_TEXT)
      expect(final.status).toBe('completed')
      const event = await stack.posthog.waitForEvent((e) => e.distinct_id === 'resp-user-final')
      expectDefaultEvent(event)
      // No instructions: no system message.
      expect(event.properties.$ai_input).toEqual(normalisedConversation.slice(1))
      expect(event.properties.$ai_completion_id).toBe(final.id)
    })

    it('records function calls as output, with the request tools, streamed or not', async () => {
      const tools: OpenAI.Responses.FunctionTool[] = [
        { type: 'function', name: 'get_weather', strict: false, parameters: { type: 'object', properties: { location: { type: 'string' } } } },
        { type: 'function', name: 'get_time', strict: false, parameters: { type: 'object', properties: { timezone: { type: 'string' } } } },
      ]
      const expectedOutput = [
        {
          role: 'assistant',
          content: FAKE_FUNCTION_CALLS.map((call) => ({ type: 'function', id: call.call_id, function: { name: call.name, arguments: call.arguments } })),
        },
      ]
      const { data, response } = await stack
        .client()
        .responses.create({ model: 'gpt-4o-mini', input: 'scenario:tool-calls', tools, user: 'resp-user-tools' })
        .withResponse()
      expect(data.output.map((item) => item.type)).toEqual(['function_call', 'function_call'])
      expect(data.output).toMatchObject(FAKE_FUNCTION_CALLS.map(({ call_id, name, arguments: args }) => ({ call_id, name, arguments: args })))
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties.$ai_output_choices).toEqual(expectedOutput)
      expect(event.properties).toMatchObject({
        $ai_tools: tools,
        $ai_input_tokens: FAKE_RESPONSES_USAGE['tool-calls'].input_tokens,
        $ai_output_tokens: FAKE_RESPONSES_USAGE['tool-calls'].output_tokens,
      })

      const final = await stack
        .client()
        .responses.stream({ model: 'gpt-4o-mini', input: 'scenario:tool-calls', tools, user: 'resp-user-tools-stream' })
        .finalResponse()
      expect(final.output).toMatchObject(FAKE_FUNCTION_CALLS.map(({ call_id, name, arguments: args }) => ({ call_id, name, arguments: args })))
      const streamed = await stack.posthog.waitForEvent((e) => e.distinct_id === 'resp-user-tools-stream')
      expect(streamed.properties.$ai_output_choices).toEqual(expectedOutput)
      expect(streamed.properties.$ai_stream).toBe(true)
    })

    it('reports cached and reasoning tokens and prices cached input at the cached rate', async () => {
      const usage = FAKE_RESPONSES_USAGE.cached
      const cached = usage.input_tokens_details.cached_tokens
      // Cached tokens are part of input_tokens (OpenAI style): billed once, at the cached rate.
      const expected = (usage.input_tokens - cached) * MINI.input + cached * MINI.cachedInput + usage.output_tokens * MINI.output

      const { data, response } = await stack
        .client()
        .responses.create({ model: 'gpt-4o-mini', input: 'scenario:cached', user: 'resp-user-cached' })
        .withResponse()
      expect(data.usage?.input_tokens_details.cached_tokens).toBe(cached)
      expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(expected, 12)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties).toMatchObject({
        $ai_input_tokens: usage.input_tokens,
        $ai_output_tokens: usage.output_tokens,
        $ai_cache_read_input_tokens: cached,
        $ai_reasoning_tokens: usage.output_tokens_details.reasoning_tokens,
        $ai_cache_reporting_exclusive: false,
      })
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(expected, 12)

      const { data: stream, response: streamedResponse } = await stack
        .client()
        .responses.create({ model: 'gpt-4o-mini', input: 'scenario:cached', stream: true, user: 'resp-user-cached' })
        .withResponse()
      for await (const _ of stream) {
        // drain
      }
      const streamed = await stack.eventFor(requestIdOf(streamedResponse))
      expect(streamed.properties).toMatchObject({
        $ai_cache_read_input_tokens: cached,
        $ai_reasoning_tokens: usage.output_tokens_details.reasoning_tokens,
      })
      expect(streamed.properties.$ai_total_cost_usd).toBeCloseTo(expected, 12)
    })

    it('passes upstream errors through with their status and message, and records them as errors', async () => {
      const bad = await stack
        .client()
        .responses.create({ model: 'gpt-4o-mini', input: 'scenario:error-400', user: 'resp-user-err' })
        .catch((e: unknown) => e)
      expect(bad).toBeInstanceOf(OpenAI.BadRequestError)
      expect((bad as APIError).status).toBe(400)
      expect((bad as APIError).message).toContain(ERROR_400_BODY.error.message)
      expect((bad as APIError).param).toBe(ERROR_400_BODY.error.param)
      const badEvent = await stack.eventFor(errorRequestId(bad))
      expect(badEvent.properties).toMatchObject({ $ai_http_status: 400, $ai_is_error: true })
      expect(badEvent.properties.$ai_error).toContain(ERROR_400_BODY.error.message)
      expect(badEvent.distinct_id).toBe('resp-user-err')

      const limited = await stack
        .client()
        .responses.create({ model: 'gpt-4o-mini', input: 'scenario:error-429', stream: true, user: 'resp-user-err' })
        .catch((e: unknown) => e)
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError)
      expect((limited as APIError).message).toContain(ERROR_429_BODY.error.message)
      expect((limited as APIError).headers?.get('retry-after')).toBe('1')
      const limitedEvent = await stack.eventFor(errorRequestId(limited))
      expect(limitedEvent.properties).toMatchObject({ $ai_http_status: 429, $ai_is_error: true, $ai_stream: true })
      expect(limitedEvent.properties.$ai_error).toContain(ERROR_429_BODY.error.message)
      expectNoSecrets(bad, limited, badEvent.properties, limitedEvent.properties)
    })

    it('relays response.failed and records the stream as an error with the partial answer', async () => {
      const { data: stream, response } = await stack
        .client()
        .responses.create({ model: 'gpt-4o-mini', input: 'scenario:failed', stream: true, user: 'resp-user-failed' })
        .withResponse()
      let text = ''
      let failed: OpenAI.Responses.ResponseFailedEvent | null = null
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') text += event.delta
        if (event.type === 'response.failed') failed = event
      }
      expect(text).toBe(RESET_PIECES.join(''))
      expect(failed?.response.status).toBe('failed')
      expect(failed?.response.error).toMatchObject(RESPONSE_FAILED_ERROR)

      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties).toMatchObject({
        $ai_is_error: true,
        $ai_stream: true,
        $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: RESET_PIECES.join('') }] }],
      })
      expect(event.properties.$ai_error).toContain(RESPONSE_FAILED_ERROR.message)
    })

    it('records a non-streamed failure (the upstream 500) as an error', async () => {
      const error = await stack
        .client()
        .responses.create({ model: 'gpt-4o-mini', input: 'scenario:failed', user: 'resp-user-failed' })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.InternalServerError)
      expect((error as APIError).status).toBe(500)
      const event = await stack.eventFor(errorRequestId(error))
      expect(event.properties).toMatchObject({ $ai_http_status: 500, $ai_is_error: true })
    })

    it('makes finalResponse() reject when the upstream connection breaks mid-stream, and records a 502', async () => {
      const runner = stack.client().responses.stream({ model: 'gpt-4o-mini', input: 'scenario:reset-mid-stream', user: 'resp-user-reset' })
      let text = ''
      runner.on('response.output_text.delta', (event) => {
        text += event.delta
      })
      const failure = await runner.finalResponse().then(
        () => null,
        (e: unknown) => e,
      )
      // The SDK rejects with the stream's error event (or an APIError made of it).
      expect(failure).toMatchObject({ message: expect.stringContaining('lost mid-stream') })
      expect(text).toBe(RESET_PIECES.join(''))
      const event = await stack.posthog.waitForEvent((e) => e.distinct_id === 'resp-user-reset')
      expect(event.properties).toMatchObject({
        $ai_http_status: 502,
        $ai_is_error: true,
        $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: RESET_PIECES.join('') }] }],
      })
    })
    it('makes a streamed responses.create raise an APIError when the upstream connection breaks mid-stream', async () => {
      const stream = await stack.client().responses.create({ model: 'gpt-4o-mini', input: 'scenario:reset-mid-stream', stream: true, user: 'resp-user-reset-2' })
      let text = ''
      const failure = await (async () => {
        for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta
      })().then(
        () => null,
        (e: unknown) => e,
      )
      expect(failure).toBeInstanceOf(APIError)
      expect((failure as APIError).message).toContain('lost mid-stream')
      expect(text).toBe(RESET_PIECES.join(''))
    })
  })

  describe('POST /v1/embeddings', () => {
    it('decodes the base64 vectors the SDK asks for by default, and sends one $ai_embedding event', async () => {
      stack.upstream.reset()
      const input = 'The food was delicious and the waiter was friendly.'
      const { data, response } = await stack
        .client()
        .embeddings.create({ model: 'text-embedding-3-small', input, user: 'emb-user-1' })
        .withResponse()
      // The SDK asks for base64 when the caller names no format, and decodes it to floats.
      const [request] = stack.upstream.embeddingsRequests
      expect(request?.body).toEqual({ model: 'text-embedding-3-small', input, user: 'emb-user-1', encoding_format: 'base64' })
      expect(request?.headers.authorization).toBe(`Bearer ${SECRETS.openai}`)
      expect(data.data).toHaveLength(1)
      expect(data.data[0]?.embedding).toEqual(fakeEmbedding(input))
      expect(data.usage.prompt_tokens).toBe(fakeEmbeddingTokens(input))
      expectNoSecrets(data, [...response.headers])

      const tokens = fakeEmbeddingTokens(input)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.event).toBe('$ai_embedding')
      expect(event.distinct_id).toBe('emb-user-1')
      expect(event.properties).toMatchObject({
        $ai_provider: 'openai',
        $ai_model: 'text-embedding-3-small',
        $ai_input: input,
        $ai_input_tokens: tokens,
        $ai_http_status: 200,
        $ai_is_error: false,
        $ai_request_url: `${stack.upstream.url}/embeddings`,
      })
      expect(event.properties).not.toHaveProperty('$ai_output_tokens')
      expectNoSecrets(event.properties)
      // One request, one event: no $ai_generation beside the $ai_embedding.
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(stack.posthog.events.filter((e) => e.properties.openstack_request_id === requestIdOf(response))).toHaveLength(1)
    })

    it('relays float vectors for a batch, and records the batch as sent', async () => {
      const input = ['first document', 'a second, longer document about something else']
      const { data, response } = await stack
        .client()
        .embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float', dimensions: 4, user: 'emb-user-batch' })
        .withResponse()
      expect(data.data.map((item) => item.index)).toEqual([0, 1])
      expect(data.data.map((item) => item.embedding)).toEqual(input.map((text) => fakeEmbedding(text, 4)))
      const tokens = input.reduce((sum, text) => sum + fakeEmbeddingTokens(text), 0)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.event).toBe('$ai_embedding')
      expect(event.distinct_id).toBe('emb-user-batch')
      expect(event.properties).toMatchObject({ $ai_input: input, $ai_input_tokens: tokens })
      expect(event.properties).not.toHaveProperty('$ai_output_tokens')
    })

    it('prices an embedding at $0.02 / MTok in the event and X-Openstack-Cost-Usd', async () => {
      // text-embedding-3-small: $0.02 / MTok input, no output (https://platform.openai.com/docs/pricing).
      const input = 'Price this sentence, please.'
      const { response } = await stack.client().embeddings.create({ model: 'text-embedding-3-small', input, user: 'emb-user-cost' }).withResponse()
      const expected = fakeEmbeddingTokens(input) * 0.02e-6
      expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(expected, 15)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(expected, 15)
      expect(event.properties.$ai_output_cost_usd).toBe(0)
    })

    it('passes an upstream 400 through and records it as an error', async () => {
      const error = await stack
        .client()
        .embeddings.create({ model: 'text-embedding-3-small', input: 'scenario:error-400', user: 'emb-user-err' })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.BadRequestError)
      expect((error as APIError).status).toBe(400)
      expect((error as APIError).message).toContain(EMBEDDINGS_ERROR_400_BODY.error.message)
      const event = await stack.eventFor(errorRequestId(error))
      expect(event.event).toBe('$ai_embedding')
      expect(event.distinct_id).toBe('emb-user-err')
      expect(event.properties).toMatchObject({ $ai_http_status: 400, $ai_is_error: true, $ai_input: 'scenario:error-400' })
      expect(event.properties.$ai_error).toContain(EMBEDDINGS_ERROR_400_BODY.error.message)
      expectNoSecrets(error, event.properties)
    })
  })
})
