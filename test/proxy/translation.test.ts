/**
 * Chat Completions translated to Anthropic Messages and Gemini generateContent: the official `openai` SDK
 * talks to the real proxy, which routes `claude-*` / `anthropic/*` to the fake Anthropic upstream and
 * `gemini-*` / `gemini/*` to the fake Gemini upstream.
 */
import OpenAI, { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANTHROPIC_DEFAULT_MAX_TOKENS } from '../../server/routes/chat-completions.ts'
import {
  ANTHROPIC_ERROR_429_BODY,
  ANTHROPIC_OVERLOADED_BODY,
  FAKE_ANTHROPIC_TEXT,
  FAKE_ANTHROPIC_USAGE,
  FAKE_TOOL_INPUT_PIECES,
  FAKE_TOOL_TEXT,
  FAKE_TOOL_USE,
  MAX_TOKENS_PIECES,
  MID_STREAM_PIECES,
  error400Message,
} from '../fakes/anthropic-upstream.ts'
import {
  FAKE_GEMINI_FUNCTION_CALL,
  FAKE_GEMINI_TEXT,
  FAKE_GEMINI_THOUGHT_SIGNATURE,
  FAKE_GEMINI_TRUNCATED_TEXT,
  FAKE_GEMINI_USAGE,
  GEMINI_ERROR_400_BODY,
  GEMINI_ERROR_429_BODY,
  GEMINI_ERROR_500_BODY,
} from '../fakes/gemini-upstream.ts'
import { KEYS, SECRETS } from '../harness/config.ts'
import { runtimes } from '../harness/proxy-process.ts'
import { type Stack, startStack } from '../harness/stack.ts'

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk
type Tool = OpenAI.Chat.Completions.ChatCompletionTool
type Json = Record<string, any>

// claude-sonnet-4-5 list prices, USD per token (https://docs.claude.com/en/docs/about-claude/pricing):
// $3 / MTok input, $15 / MTok output, $3.75 / MTok 5-minute cache write, $0.30 / MTok cache read.
const SONNET = { input: 3e-6, output: 15e-6, cacheWrite: 3.75e-6, cacheRead: 0.3e-6 }
// gemini-2.5-flash paid-tier prices, USD per token (https://ai.google.dev/gemini-api/docs/pricing, "Gemini 2.5
// Flash", text input): $0.30 / MTok input, $2.50 / MTok output *including thinking tokens*, $0.03 / MTok
// context-cache read.
const FLASH = { input: 0.3e-6, output: 2.5e-6, cacheRead: 0.03e-6 }

const ANTHROPIC_MODELS = ['claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5']
const GEMINI_MODELS = ['gemini-2.5-flash', 'gemini/gemini-2.5-flash']

/** A 1×1 PNG, as a client would inline it. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
const IMAGE_URL = 'https://example.com/images/cat.png'

const WEATHER_TOOL: Tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location'],
    },
  },
}

const user = (content: string): Message => ({ role: 'user', content })
const requestIdOf = (response: Response) => response.headers.get('x-openstack-request-id')
const errorRequestId = (error: unknown) => (error as APIError).headers?.get('x-openstack-request-id') ?? null
const nowSeconds = () => Math.floor(Date.now() / 1000)

/** No provider, PostHog or client key anywhere in what is given (client results, event properties, headers). */
function expectNoSecrets(...values: unknown[]) {
  const text = JSON.stringify(values)
  for (const secret of [...Object.values(SECRETS), KEYS.main]) expect(text).not.toContain(secret)
}

async function collect(stream: AsyncIterable<Chunk>): Promise<Chunk[]> {
  const chunks: Chunk[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return chunks
}

const textOf = (chunks: Chunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')

describe.each(runtimes)('Chat Completions translated to Anthropic and Gemini on %s', (runtime) => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack(runtime)
  })
  afterAll(() => stack?.stop())

  const create = (body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming) =>
    stack.client().chat.completions.create(body).withResponse()
  const createStream = (body: Omit<OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming, 'stream'>) =>
    stack.client().chat.completions.create({ ...body, stream: true }).withResponse()
  const failure = (body: OpenAI.Chat.Completions.ChatCompletionCreateParams) =>
    stack.client().chat.completions.create(body).then(
      () => {
        throw new Error('expected the request to fail')
      },
      (error: unknown) => error as APIError,
    )

  describe.each(ANTHROPIC_MODELS)('Anthropic: model %s', (model) => {
    const upstreamModel = 'claude-sonnet-4-5'
    const tag = model.replace('/', '_')
    const lastBody = () => stack.anthropic.messageRequests.at(-1)?.body as Json

    it('answers with an exact chat.completion and records the event with Anthropic semantics and cost', async () => {
      stack.anthropic.reset()
      const messages: Message[] = [{ role: 'system', content: 'You are terse.' }, user('Say hello')]
      const { data, response } = await create({ model, messages, user: `${tag}-plain` })

      expect(data).toEqual({
        id: expect.stringMatching(/^msg_01/),
        object: 'chat.completion',
        created: expect.any(Number),
        model: upstreamModel,
        choices: [{ index: 0, message: { role: 'assistant', content: FAKE_ANTHROPIC_TEXT, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 14, completion_tokens: 12, total_tokens: 26, prompt_tokens_details: { cached_tokens: 0 } },
      })
      expect(Math.abs(data.created - nowSeconds())).toBeLessThan(60)
      expect(stack.anthropic.messageRequests).toHaveLength(1)
      expect(lastBody()).toMatchObject({ model: upstreamModel })

      const expectedCost = 14 * SONNET.input + 12 * SONNET.output
      expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(expectedCost, 12)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.event).toBe('$ai_generation')
      expect(event.distinct_id).toBe(`${tag}-plain`)
      expect(event.properties).toMatchObject({
        $ai_provider: 'anthropic',
        $ai_model: upstreamModel,
        $ai_input: messages,
        $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_ANTHROPIC_TEXT }] }],
        $ai_input_tokens: FAKE_ANTHROPIC_USAGE.default.input_tokens,
        $ai_output_tokens: FAKE_ANTHROPIC_USAGE.default.output_tokens,
        $ai_cache_reporting_exclusive: true,
        $ai_http_status: 200,
        $ai_is_error: false,
        $ai_stream: false,
        $ai_completion_id: data.id,
        $ai_cost_passthrough: true,
        $ai_request_url: `${stack.anthropic.url}/v1/messages`,
      })
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(expectedCost, 12)
      expect(event.properties.$ai_input_cost_usd).toBeCloseTo(14 * SONNET.input, 12)
      expect(event.properties.$ai_output_cost_usd).toBeCloseTo(12 * SONNET.output, 12)
      expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(event.properties.$ai_total_cost_usd, 15)
      expectNoSecrets(data, [...response.headers], event.properties)
    })

    it('maps max_tokens to length and tool_use to tool_calls, with the tool call whole', async () => {
      const { data: cut } = await create({ model, messages: [user('scenario:max-tokens')] })
      expect(cut.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: MAX_TOKENS_PIECES.join('') } })

      const { data, response } = await create({ model, messages: [user('scenario:tool-use')], tools: [WEATHER_TOOL], user: `${tag}-tool` })
      const choice = data.choices[0]
      expect(choice?.finish_reason).toBe('tool_calls')
      expect(choice?.message.content).toBe(FAKE_TOOL_TEXT)
      expect(choice?.message.tool_calls).toEqual([
        { id: FAKE_TOOL_USE.id, type: 'function', function: { name: FAKE_TOOL_USE.name, arguments: expect.any(String) } },
      ])
      const call = choice?.message.tool_calls?.[0]
      expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual(FAKE_TOOL_USE.input)

      const event = await stack.eventFor(requestIdOf(response))
      const [text, fn] = event.properties.$ai_output_choices[0].content
      expect(text).toEqual({ type: 'text', text: FAKE_TOOL_TEXT })
      expect(fn).toMatchObject({ type: 'function', id: FAKE_TOOL_USE.id, function: { name: FAKE_TOOL_USE.name } })
      const args = fn.function.arguments
      expect(typeof args === 'string' ? JSON.parse(args) : args).toEqual(FAKE_TOOL_USE.input)
      expect(event.properties.$ai_tools).toEqual([WEATHER_TOOL])
    })

    it('counts cache reads and writes into prompt_tokens for the SDK, and prices them at the cache rates', async () => {
      const usage = FAKE_ANTHROPIC_USAGE.cached
      const { data, response } = await create({ model, messages: [user('scenario:cached')], user: `${tag}-cached` })
      const promptTokens = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens
      expect(data.usage).toEqual({
        prompt_tokens: promptTokens,
        completion_tokens: usage.output_tokens,
        total_tokens: promptTokens + usage.output_tokens,
        prompt_tokens_details: { cached_tokens: usage.cache_read_input_tokens },
      })

      const expected =
        usage.input_tokens * SONNET.input +
        usage.cache_read_input_tokens * SONNET.cacheRead +
        usage.cache_creation_input_tokens * SONNET.cacheWrite +
        usage.output_tokens * SONNET.output
      expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(expected, 12)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties).toMatchObject({
        $ai_input_tokens: usage.input_tokens,
        $ai_output_tokens: usage.output_tokens,
        $ai_cache_read_input_tokens: usage.cache_read_input_tokens,
        $ai_cache_creation_input_tokens: usage.cache_creation_input_tokens,
        $ai_cache_reporting_exclusive: true,
      })
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(expected, 12)
    })

    it('streams the same text by iteration and by finalChatCompletion(), without a usage chunk unless asked', async () => {
      const { data: stream, response } = await createStream({ model, messages: [user('Say hello')], user: `${tag}-stream` })
      const chunks = await collect(stream)
      expect(textOf(chunks)).toBe(FAKE_ANTHROPIC_TEXT)
      expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage == null)).toBe(true)
      expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant')
      expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop'])
      expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1)

      const final = await stack.client().chat.completions.stream({ model, messages: [user('Say hello')] }).finalChatCompletion()
      expect(final.choices[0]?.message.content).toBe(FAKE_ANTHROPIC_TEXT)
      expect(final.choices[0]?.finish_reason).toBe('stop')

      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties).toMatchObject({
        $ai_provider: 'anthropic',
        $ai_stream: true,
        $ai_input_tokens: FAKE_ANTHROPIC_USAGE.default.input_tokens,
        $ai_output_tokens: FAKE_ANTHROPIC_USAGE.default.output_tokens,
        $ai_cache_reporting_exclusive: true,
        $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_ANTHROPIC_TEXT }] }],
        $ai_is_error: false,
      })
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(14 * SONNET.input + 12 * SONNET.output, 12)
      expect(event.properties.$ai_time_to_first_token).toBeGreaterThan(0)
    })

    it('ends the stream with one usage chunk when stream_options.include_usage is set', async () => {
      const usage = FAKE_ANTHROPIC_USAGE.cached
      const { data: stream } = await createStream({ model, messages: [user('scenario:cached')], stream_options: { include_usage: true } })
      const chunks = await collect(stream)
      const promptTokens = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens
      expect(chunks.at(-1)).toMatchObject({
        choices: [],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: usage.output_tokens,
          total_tokens: promptTokens + usage.output_tokens,
          prompt_tokens_details: { cached_tokens: usage.cache_read_input_tokens },
        },
      })
      expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null && chunk.choices.length === 1)).toBe(true)
      expect(textOf(chunks)).toBe(FAKE_ANTHROPIC_TEXT)
    })

    it('assembles streamed tool-call deltas into the tool call, and records it', async () => {
      const { data: stream } = await createStream({ model, messages: [user('scenario:tool-use')], tools: [WEATHER_TOOL] })
      const chunks = await collect(stream)
      const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
      expect(deltas.length).toBeGreaterThan(1)
      expect(deltas.every((delta) => delta.index === 0)).toBe(true)
      expect(deltas.map((delta) => delta.function?.arguments ?? '').join('')).toBe(FAKE_TOOL_INPUT_PIECES.join(''))

      const final = await stack
        .client()
        .chat.completions.stream({ model, messages: [user('scenario:tool-use')], tools: [WEATHER_TOOL], user: `${tag}-tool-stream` })
        .finalChatCompletion()
      const choice = final.choices[0]
      expect(choice?.finish_reason).toBe('tool_calls')
      expect(choice?.message.content).toBe(FAKE_TOOL_TEXT)
      expect(choice?.message.tool_calls).toHaveLength(1)
      const call = choice?.message.tool_calls?.[0]
      expect(call).toMatchObject({ id: FAKE_TOOL_USE.id, type: 'function', function: { name: FAKE_TOOL_USE.name } })
      expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual(FAKE_TOOL_USE.input)

      const event = await stack.posthog.waitForEvent((e) => e.distinct_id === `${tag}-tool-stream`)
      const [text, fn] = event.properties.$ai_output_choices[0].content
      expect(text).toEqual({ type: 'text', text: FAKE_TOOL_TEXT })
      expect(fn).toMatchObject({ type: 'function', id: FAKE_TOOL_USE.id, function: { name: FAKE_TOOL_USE.name } })
      const args = fn.function.arguments
      expect(typeof args === 'string' ? JSON.parse(args) : args).toEqual(FAKE_TOOL_USE.input)
      expect(event.properties).toMatchObject({
        $ai_stream: true,
        $ai_input_tokens: FAKE_ANTHROPIC_USAGE['tool-use'].input_tokens,
        $ai_output_tokens: FAKE_ANTHROPIC_USAGE['tool-use'].output_tokens,
      })
    })

    it('sends Anthropic the system prompt, tools, tool_choice, sampling settings and max_tokens, with the provider key', async () => {
      stack.anthropic.reset()
      const { response } = await create({
        model,
        messages: [{ role: 'system', content: 'You are terse.' }, user('What is the weather in Paris?')],
        tools: [WEATHER_TOOL],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        max_tokens: 300,
        temperature: 0.3,
        stop: ['END'],
        user: `${tag}-params`,
      })
      const request = stack.anthropic.messageRequests[0]
      expect(request?.path).toBe('/v1/messages')
      expect(request?.body).toMatchObject({
        model: upstreamModel,
        max_tokens: 300,
        system: 'You are terse.',
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        temperature: 0.3,
        stop_sequences: ['END'],
        tools: [{ name: 'get_weather', description: 'Current weather for a city', input_schema: WEATHER_TOOL.function.parameters }],
        tool_choice: { type: 'tool', name: 'get_weather' },
      })
      // OpenAI-only fields Anthropic would refuse ("Extra inputs are not permitted").
      for (const field of ['stop', 'user', 'max_completion_tokens', 'n', 'stream_options']) expect(request?.body).not.toHaveProperty(field)
      expect((request?.body as Json).messages.some((m: Json) => m.role === 'system')).toBe(false)
      // The paywall's Anthropic key, never the client's.
      expect(request?.headers['x-api-key']).toBe(SECRETS.anthropic)
      expect(request?.headers['anthropic-version']).toBeTruthy()
      expect(request?.headers).not.toHaveProperty('authorization')
      expect(JSON.stringify(request?.headers)).not.toContain(KEYS.main)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties).toMatchObject({ $ai_temperature: 0.3, $ai_max_tokens: 300, $ai_tools: [WEATHER_TOOL] })

      // Claude 4.5 models take temperature or top_p, not both: a client sending only top_p gets only top_p.
      await create({ model, messages: [user('Hi')], top_p: 0.9, stop: 'STOP' })
      expect(lastBody()).toMatchObject({ top_p: 0.9, stop_sequences: ['STOP'] })
      expect(lastBody()).not.toHaveProperty('temperature')
    })

    it('translates every tool_choice', async () => {
      const cases: [OpenAI.Chat.Completions.ChatCompletionToolChoiceOption, Json][] = [
        ['auto', { type: 'auto' }],
        ['required', { type: 'any' }],
        ['none', { type: 'none' }],
      ]
      for (const [choice, expected] of cases) {
        stack.anthropic.reset()
        await create({ model, messages: [user('Hi')], tools: [WEATHER_TOOL], tool_choice: choice })
        expect(lastBody().tool_choice, String(choice)).toEqual(expected)
      }
    })

    it('defaults max_tokens to ANTHROPIC_DEFAULT_MAX_TOKENS when the client sends none', async () => {
      stack.anthropic.reset()
      await create({ model, messages: [user('Hi')] })
      expect(lastBody().max_tokens).toBe(ANTHROPIC_DEFAULT_MAX_TOKENS)
      await create({ model, messages: [user('Hi')], max_completion_tokens: 777 })
      expect(lastBody().max_tokens).toBe(777)
    })

    it('sends a tool result round trip as tool_use and tool_result blocks', async () => {
      // The assistant message exactly as the SDK returned it, then the tool's answer.
      const question = user('scenario:tool-use')
      const { data: first } = await create({ model, messages: [question], tools: [WEATHER_TOOL] })
      const assistant = first.choices[0]!.message
      const messages: Message[] = [
        { role: 'system', content: 'You are terse.' },
        question,
        assistant,
        { role: 'tool', tool_call_id: FAKE_TOOL_USE.id, content: '{"temperature_c":18}' },
      ]
      stack.anthropic.reset()
      const { data, response } = await create({ model, messages, tools: [WEATHER_TOOL], user: `${tag}-roundtrip` })
      expect(data.choices[0]?.message.content).toBe(FAKE_ANTHROPIC_TEXT)
      expect(lastBody().system).toBe('You are terse.')
      expect(lastBody().messages).toEqual([
        { role: 'user', content: 'scenario:tool-use' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: FAKE_TOOL_TEXT },
            { type: 'tool_use', id: FAKE_TOOL_USE.id, name: FAKE_TOOL_USE.name, input: FAKE_TOOL_USE.input },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: FAKE_TOOL_USE.id, content: '{"temperature_c":18}' }] },
      ])
      const event = await stack.eventFor(requestIdOf(response))
      // The event shows the conversation as the client sent it, in OpenAI format.
      expect(event.properties.$ai_input).toEqual(JSON.parse(JSON.stringify(messages)))
    })

    it('sends images given as an https URL and as a base64 data URL, and keeps the base64 out of the event', async () => {
      stack.anthropic.reset()
      const messages: Message[] = [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image_url', image_url: { url: IMAGE_URL } },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
          ],
        },
      ]
      const { data, response } = await create({ model, messages, user: `${tag}-images` })
      expect(data.choices[0]?.message.content).toBe(FAKE_ANTHROPIC_TEXT)
      expect(lastBody().messages).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image', source: { type: 'url', url: IMAGE_URL } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
          ],
        },
      ])
      const event = await stack.eventFor(requestIdOf(response))
      const input = JSON.stringify(event.properties.$ai_input)
      expect(input).toContain(IMAGE_URL)
      expect(input).toContain('What is in these images?')
      expect(input).not.toContain(PNG_BASE64)
    })

    it("accepts an assistant message with content: [] (n8n's AI Agent sends it)", async () => {
      stack.anthropic.reset()
      const messages = [user('Hi'), { role: 'assistant', content: [] }, user('Say hello')] as Message[]
      const { data, response } = await create({ model, messages, user: `${tag}-n8n` })
      expect(data.choices[0]?.message.content).toBe(FAKE_ANTHROPIC_TEXT)
      const sent = lastBody().messages as Json[]
      // Anthropic refuses empty content; what went has words in every turn and roles that alternate.
      expect(sent.every((m) => m.content !== '' && !(Array.isArray(m.content) && m.content.length === 0))).toBe(true)
      expect(sent.every((m, i) => i === 0 || m.role !== sent[i - 1]?.role)).toBe(true)
      expect(JSON.stringify(sent)).toContain('Say hello')
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties.$ai_input).toEqual(messages)
    })

    it('passes Anthropic 400, 429 and 529 through as OpenAI errors with their status and message, and records them', async () => {
      const bad = await failure({ model, messages: [user('scenario:error-400')], user: `${tag}-err` })
      expect(bad).toBeInstanceOf(OpenAI.BadRequestError)
      expect(bad.status).toBe(400)
      expect(bad.message).toContain(error400Message(upstreamModel))
      expect(bad.type).toBe('invalid_request_error')

      const limited = await failure({ model, messages: [user('scenario:error-429')], user: `${tag}-err` })
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError)
      expect(limited.status).toBe(429)
      expect(limited.message).toContain(ANTHROPIC_ERROR_429_BODY.error.message)
      expect(limited.headers?.get('retry-after')).toBe('1')

      const overloaded = await failure({ model, messages: [user('scenario:overloaded')], stream: true, user: `${tag}-err` })
      expect(overloaded).toBeInstanceOf(OpenAI.InternalServerError)
      expect(overloaded.status).toBe(529)
      expect(overloaded.message).toContain(ANTHROPIC_OVERLOADED_BODY.error.message)

      for (const [error, status, message] of [
        [bad, 400, error400Message(upstreamModel)],
        [limited, 429, ANTHROPIC_ERROR_429_BODY.error.message],
        [overloaded, 529, ANTHROPIC_OVERLOADED_BODY.error.message],
      ] as const) {
        const event = await stack.eventFor(errorRequestId(error))
        expect(event.distinct_id).toBe(`${tag}-err`)
        expect(event.properties).toMatchObject({ $ai_provider: 'anthropic', $ai_http_status: status, $ai_is_error: true })
        expect(event.properties.$ai_error).toContain(message)
        expectNoSecrets(error, event.properties)
      }
    })

    it('refuses parameters Anthropic cannot honour with a 400 naming them, before calling it', async () => {
      stack.anthropic.reset()
      const manyChoices = await failure({ model, messages: [user('Hi')], n: 2 })
      expect(manyChoices).toBeInstanceOf(OpenAI.BadRequestError)
      expect(manyChoices.param).toBe('n')
      expect(manyChoices.message).toMatch(/\bn\b/)

      const logprobs = await failure({ model, messages: [user('Hi')], logprobs: true, stream: true })
      expect(logprobs).toBeInstanceOf(OpenAI.BadRequestError)
      expect(logprobs.param).toBe('logprobs')
      expect(logprobs.message).toContain('logprobs')

      expect(stack.anthropic.requests).toHaveLength(0)
    })

    it('makes the SDK raise on an Anthropic error event mid-stream, and records the failure', async () => {
      const { data: stream, response } = await createStream({ model, messages: [user('scenario:error-mid-stream')], user: `${tag}-midstream` })
      let text = ''
      const error = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      })().then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(APIError)
      expect((error as APIError).message).toContain(ANTHROPIC_OVERLOADED_BODY.error.message)
      expect(text).toBe(MID_STREAM_PIECES.join(''))
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties).toMatchObject({ $ai_provider: 'anthropic', $ai_is_error: true, $ai_stream: true })
      // Not asserted: $ai_error should be Anthropic's "Overloaded", but when the SDK's disconnect (it stops
      // reading on the error) reaches the proxy before the upstream's end, the event says 499 "client closed
      // the connection" instead (seen on Deno, intermittently).
    })
  })

  describe.each(GEMINI_MODELS)('Gemini: model %s', (model) => {
    const upstreamModel = 'gemini-2.5-flash'
    const tag = model.replace('/', '_')
    const lastRequest = () => stack.gemini.generateRequests.at(-1)
    const lastBody = () => lastRequest()?.body as Json

    it('answers with an exact chat.completion and records the event with the cost at Gemini prices', async () => {
      stack.gemini.reset()
      const messages: Message[] = [{ role: 'system', content: 'You are terse.' }, user('Say hello')]
      const { data, response } = await create({ model, messages, user: `${tag}-plain` })

      expect(data).toEqual({
        id: expect.any(String),
        object: 'chat.completion',
        created: expect.any(Number),
        model: upstreamModel,
        choices: [{ index: 0, message: { role: 'assistant', content: FAKE_GEMINI_TEXT, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: 9,
          completion_tokens: 7,
          total_tokens: 16,
          prompt_tokens_details: { cached_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      })
      expect(Math.abs(data.created - nowSeconds())).toBeLessThan(60)
      expect(stack.gemini.generateRequests).toHaveLength(1)
      expect(lastRequest()?.path).toBe(`/v1beta/models/${upstreamModel}:generateContent`)

      const expectedCost = 9 * FLASH.input + 7 * FLASH.output
      expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(expectedCost, 12)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.distinct_id).toBe(`${tag}-plain`)
      expect(event.properties).toMatchObject({
        $ai_provider: 'gemini',
        $ai_model: upstreamModel,
        $ai_input: messages,
        $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_GEMINI_TEXT }] }],
        $ai_input_tokens: FAKE_GEMINI_USAGE.default.promptTokenCount,
        $ai_output_tokens: FAKE_GEMINI_USAGE.default.candidatesTokenCount,
        $ai_cache_reporting_exclusive: false,
        $ai_http_status: 200,
        $ai_is_error: false,
        $ai_stream: false,
        $ai_cost_passthrough: true,
        $ai_request_url: `${stack.gemini.url}/v1beta/models/${upstreamModel}:generateContent`,
      })
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(expectedCost, 12)
      expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(event.properties.$ai_total_cost_usd, 15)
      expectNoSecrets(data, [...response.headers], event.properties)
    })

    it('maps MAX_TOKENS to length, SAFETY to content_filter and a function call to tool_calls', async () => {
      const { data: cut } = await create({ model, messages: [user('scenario:max-tokens')] })
      expect(cut.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: FAKE_GEMINI_TRUNCATED_TEXT } })

      const { data: blocked } = await create({ model, messages: [user('scenario:safety')] })
      expect(blocked.choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { role: 'assistant', content: null } })

      const { data, response } = await create({ model, messages: [user('scenario:function-call')], tools: [WEATHER_TOOL], user: `${tag}-fn` })
      const choice = data.choices[0]
      expect(choice?.finish_reason).toBe('tool_calls')
      expect(choice?.message.content).toBeNull()
      expect(choice?.message.tool_calls).toHaveLength(1)
      const call = choice?.message.tool_calls?.[0]
      expect(call).toMatchObject({ id: expect.stringMatching(/\S/), type: 'function', function: { name: FAKE_GEMINI_FUNCTION_CALL.name } })
      expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual(FAKE_GEMINI_FUNCTION_CALL.args)

      const event = await stack.eventFor(requestIdOf(response))
      const [fn] = event.properties.$ai_output_choices[0].content
      expect(fn).toMatchObject({ type: 'function', function: { name: FAKE_GEMINI_FUNCTION_CALL.name } })
      const args = fn.function.arguments
      expect(typeof args === 'string' ? JSON.parse(args) : args).toEqual(FAKE_GEMINI_FUNCTION_CALL.args)
    })

    it('prices cached prompt tokens at the cache rate (counted inside the prompt) and thinking as output', async () => {
      const cached = FAKE_GEMINI_USAGE.cached
      const { data, response } = await create({ model, messages: [user('scenario:cached')], user: `${tag}-cached` })
      expect(data.usage).toMatchObject({
        prompt_tokens: cached.promptTokenCount,
        completion_tokens: cached.candidatesTokenCount,
        prompt_tokens_details: { cached_tokens: cached.cachedContentTokenCount },
      })
      const cachedCost =
        (cached.promptTokenCount - cached.cachedContentTokenCount!) * FLASH.input +
        cached.cachedContentTokenCount! * FLASH.cacheRead +
        cached.candidatesTokenCount! * FLASH.output
      expect(Number(response.headers.get('x-openstack-cost-usd'))).toBeCloseTo(cachedCost, 12)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties).toMatchObject({
        $ai_input_tokens: cached.promptTokenCount,
        $ai_cache_read_input_tokens: cached.cachedContentTokenCount,
        $ai_cache_reporting_exclusive: false,
      })
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(cachedCost, 12)

      const thinking = FAKE_GEMINI_USAGE.thinking
      const { data: thought, response: thoughtResponse } = await create({ model, messages: [user('scenario:thinking')], user: `${tag}-thinking` })
      // For the OpenAI client, reasoning is inside completion_tokens, as OpenAI counts it.
      expect(thought.usage).toMatchObject({
        prompt_tokens: thinking.promptTokenCount,
        completion_tokens: thinking.candidatesTokenCount! + thinking.thoughtsTokenCount!,
        completion_tokens_details: { reasoning_tokens: thinking.thoughtsTokenCount },
      })
      const thinkingCost = thinking.promptTokenCount * FLASH.input + (thinking.candidatesTokenCount! + thinking.thoughtsTokenCount!) * FLASH.output
      expect(Number(thoughtResponse.headers.get('x-openstack-cost-usd'))).toBeCloseTo(thinkingCost, 12)
      const thoughtEvent = await stack.eventFor(requestIdOf(thoughtResponse))
      expect(thoughtEvent.properties.$ai_reasoning_tokens).toBe(thinking.thoughtsTokenCount)
      expect(thoughtEvent.properties.$ai_total_cost_usd).toBeCloseTo(thinkingCost, 12)
    })

    it('streams the same text by iteration and by finalChatCompletion(), without a usage chunk unless asked', async () => {
      stack.gemini.reset()
      const { data: stream, response } = await createStream({ model, messages: [user('Say hello')], user: `${tag}-stream` })
      const chunks = await collect(stream)
      expect(textOf(chunks)).toBe(FAKE_GEMINI_TEXT)
      expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage == null)).toBe(true)
      expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop'])
      expect(lastRequest()?.path).toBe(`/v1beta/models/${upstreamModel}:streamGenerateContent`)
      expect(lastRequest()?.query.alt).toBe('sse')

      const final = await stack.client().chat.completions.stream({ model, messages: [user('Say hello')] }).finalChatCompletion()
      expect(final.choices[0]?.message.content).toBe(FAKE_GEMINI_TEXT)
      expect(final.choices[0]?.finish_reason).toBe('stop')

      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties).toMatchObject({
        $ai_provider: 'gemini',
        $ai_stream: true,
        $ai_input_tokens: FAKE_GEMINI_USAGE.default.promptTokenCount,
        $ai_output_tokens: FAKE_GEMINI_USAGE.default.candidatesTokenCount,
        $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: FAKE_GEMINI_TEXT }] }],
        $ai_is_error: false,
      })
      expect(event.properties.$ai_total_cost_usd).toBeCloseTo(9 * FLASH.input + 7 * FLASH.output, 12)
      expect(event.properties.$ai_time_to_first_token).toBeGreaterThan(0)
    })

    it('ends the stream with one usage chunk when stream_options.include_usage is set', async () => {
      const { data: stream } = await createStream({ model, messages: [user('Say hello')], stream_options: { include_usage: true } })
      const chunks = await collect(stream)
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 } })
      expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null && chunk.choices.length === 1)).toBe(true)
      expect(textOf(chunks)).toBe(FAKE_GEMINI_TEXT)
    })

    it('streams a function call as a tool call the SDK assembles, and records it', async () => {
      const final = await stack
        .client()
        .chat.completions.stream({ model, messages: [user('scenario:function-call')], tools: [WEATHER_TOOL], user: `${tag}-fn-stream` })
        .finalChatCompletion()
      const choice = final.choices[0]
      expect(choice?.finish_reason).toBe('tool_calls')
      expect(choice?.message.tool_calls).toHaveLength(1)
      const call = choice?.message.tool_calls?.[0]
      expect(call).toMatchObject({ id: expect.stringMatching(/\S/), type: 'function', function: { name: FAKE_GEMINI_FUNCTION_CALL.name } })
      expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual(FAKE_GEMINI_FUNCTION_CALL.args)

      const event = await stack.posthog.waitForEvent((e) => e.distinct_id === `${tag}-fn-stream`)
      const [fn] = event.properties.$ai_output_choices[0].content
      expect(fn).toMatchObject({ type: 'function', function: { name: FAKE_GEMINI_FUNCTION_CALL.name } })
      const args = fn.function.arguments
      expect(typeof args === 'string' ? JSON.parse(args) : args).toEqual(FAKE_GEMINI_FUNCTION_CALL.args)
      expect(event.properties).toMatchObject({
        $ai_stream: true,
        $ai_tools: [WEATHER_TOOL],
        $ai_input_tokens: FAKE_GEMINI_USAGE['function-call'].promptTokenCount,
      })
    })

    it('sends Gemini the system instruction, tools, tool_choice and generation settings, with the provider key in a header', async () => {
      stack.gemini.reset()
      const { response } = await create({
        model,
        messages: [{ role: 'system', content: 'You are terse.' }, user('What is the weather in Paris?')],
        tools: [WEATHER_TOOL],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        max_tokens: 300,
        temperature: 0.3,
        top_p: 0.9,
        stop: ['END'],
        user: `${tag}-params`,
      })
      const request = lastRequest()
      expect(request?.model).toBe(upstreamModel)
      expect(request?.body).toEqual({
        systemInstruction: { parts: [{ text: 'You are terse.' }] },
        contents: [{ role: 'user', parts: [{ text: 'What is the weather in Paris?' }] }],
        tools: [
          {
            functionDeclarations: [
              { name: 'get_weather', description: 'Current weather for a city', parametersJsonSchema: WEATHER_TOOL.function.parameters },
            ],
          },
        ],
        toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
        generationConfig: { maxOutputTokens: 300, temperature: 0.3, topP: 0.9, stopSequences: ['END'] },
      })
      // The paywall's Gemini key, in the header (never in the URL), never the client's.
      expect(request?.headers['x-goog-api-key']).toBe(SECRETS.gemini)
      expect(request?.keySource).toBe('header')
      expect(request?.query).not.toHaveProperty('key')
      expect(request?.headers).not.toHaveProperty('authorization')
      expect(JSON.stringify(request?.headers)).not.toContain(KEYS.main)
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties).toMatchObject({ $ai_temperature: 0.3, $ai_max_tokens: 300, $ai_tools: [WEATHER_TOOL] })
    })

    it('translates every tool_choice', async () => {
      const cases: [OpenAI.Chat.Completions.ChatCompletionToolChoiceOption, string][] = [
        ['auto', 'AUTO'],
        ['required', 'ANY'],
        ['none', 'NONE'],
      ]
      for (const [choice, mode] of cases) {
        await create({ model, messages: [user('Hi')], tools: [WEATHER_TOOL], tool_choice: choice })
        expect(lastBody().toolConfig, String(choice)).toEqual({ functionCallingConfig: { mode } })
      }
    })

    it('sends a tool result round trip as functionCall and functionResponse parts, keeping the thought signature', async () => {
      const question = user('scenario:function-call')
      const { data: first } = await create({ model, messages: [question], tools: [WEATHER_TOOL] })
      // The assistant message exactly as the SDK returned it, then the tool's answer to its call id.
      const assistant = first.choices[0]!.message
      const callId = assistant.tool_calls![0]!.id
      const messages: Message[] = [question, assistant, { role: 'tool', tool_call_id: callId, content: '{"temperature_c":18}' }]
      const { data, response } = await create({ model, messages, tools: [WEATHER_TOOL], user: `${tag}-roundtrip` })
      expect(data.choices[0]?.message.content).toBe(FAKE_GEMINI_TEXT)
      expect(lastBody().contents).toEqual([
        { role: 'user', parts: [{ text: 'scenario:function-call' }] },
        { role: 'model', parts: [{ functionCall: FAKE_GEMINI_FUNCTION_CALL, thoughtSignature: FAKE_GEMINI_THOUGHT_SIGNATURE }] },
        { role: 'user', parts: [{ functionResponse: { name: FAKE_GEMINI_FUNCTION_CALL.name, response: { temperature_c: 18 } } }] },
      ])
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties.$ai_input).toEqual(JSON.parse(JSON.stringify(messages)))
    })

    it('sends a hand-written tool call history (no signature) that Gemini accepts', async () => {
      const messages: Message[] = [
        user('What is the weather in Paris?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_weather1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_weather1', content: 'Sunny, 18 °C' },
      ]
      const { data } = await create({ model, messages, tools: [WEATHER_TOOL] })
      expect(data.choices[0]?.message.content).toBe(FAKE_GEMINI_TEXT)
      expect(lastBody().contents).toEqual([
        { role: 'user', parts: [{ text: 'What is the weather in Paris?' }] },
        // Without a signature of its own, a call needs Google's documented placeholder to pass Gemini 3's check.
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris, France' } }, thoughtSignature: expect.any(String) }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { result: 'Sunny, 18 °C' } } }] },
      ])
    })

    it('sends images given as an https URL and as a base64 data URL, and keeps the base64 out of the event', async () => {
      const messages: Message[] = [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image_url', image_url: { url: IMAGE_URL } },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
          ],
        },
      ]
      const { data, response } = await create({ model, messages, user: `${tag}-images` })
      expect(data.choices[0]?.message.content).toBe(FAKE_GEMINI_TEXT)
      expect(lastBody().contents).toEqual([
        {
          role: 'user',
          parts: [
            { text: 'What is in these images?' },
            { fileData: { mimeType: 'image/png', fileUri: IMAGE_URL } },
            { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } },
          ],
        },
      ])
      const event = await stack.eventFor(requestIdOf(response))
      const input = JSON.stringify(event.properties.$ai_input)
      expect(input).toContain(IMAGE_URL)
      expect(input).not.toContain(PNG_BASE64)
    })

    it("accepts an assistant message with content: [] (n8n's AI Agent sends it)", async () => {
      const messages = [user('Hi'), { role: 'assistant', content: [] }, user('Say hello')] as Message[]
      const { data, response } = await create({ model, messages, user: `${tag}-n8n` })
      expect(data.choices[0]?.message.content).toBe(FAKE_GEMINI_TEXT)
      const contents = lastBody().contents as Json[]
      expect(contents.every((c) => Array.isArray(c.parts) && c.parts.length > 0)).toBe(true)
      expect(JSON.stringify(contents)).toContain('Say hello')
      const event = await stack.eventFor(requestIdOf(response))
      expect(event.properties.$ai_input).toEqual(messages)
    })

    it('passes Gemini 400, 429 and 500 through as OpenAI errors with their status and message, and records them', async () => {
      const bad = await failure({ model, messages: [user('scenario:error-400')], user: `${tag}-err` })
      expect(bad).toBeInstanceOf(OpenAI.BadRequestError)
      expect(bad.status).toBe(400)
      expect(bad.message).toContain(GEMINI_ERROR_400_BODY.error.message.trim())

      const limited = await failure({ model, messages: [user('scenario:error-429')], stream: true, user: `${tag}-err` })
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError)
      expect(limited.status).toBe(429)
      expect(limited.message).toContain(GEMINI_ERROR_429_BODY.error.message)

      const broken = await failure({ model, messages: [user('scenario:error-500')], user: `${tag}-err` })
      expect(broken).toBeInstanceOf(OpenAI.InternalServerError)
      expect(broken.status).toBe(500)
      expect(broken.message).toContain(GEMINI_ERROR_500_BODY.error.message)

      for (const [error, status, message] of [
        [bad, 400, GEMINI_ERROR_400_BODY.error.message.trim()],
        [limited, 429, GEMINI_ERROR_429_BODY.error.message],
        [broken, 500, GEMINI_ERROR_500_BODY.error.message],
      ] as const) {
        const event = await stack.eventFor(errorRequestId(error))
        expect(event.distinct_id).toBe(`${tag}-err`)
        expect(event.properties).toMatchObject({ $ai_provider: 'gemini', $ai_http_status: status, $ai_is_error: true })
        expect(event.properties.$ai_error).toContain(message)
        expectNoSecrets(error, event.properties)
      }
    })

    it('refuses parameters Gemini cannot honour with a 400 naming them, before calling it', async () => {
      stack.gemini.reset()
      const logprobs = await failure({ model, messages: [user('Hi')], logprobs: true })
      expect(logprobs).toBeInstanceOf(OpenAI.BadRequestError)
      expect(logprobs.param).toBe('logprobs')
      expect(logprobs.message).toContain('logprobs')

      const bias = await failure({ model, messages: [user('Hi')], logit_bias: { '50256': -100 }, stream: true })
      expect(bias).toBeInstanceOf(OpenAI.BadRequestError)
      expect(bias.param).toBe('logit_bias')
      expect(bias.message).toContain('logit_bias')

      expect(stack.gemini.requests).toHaveLength(0)
    })
  })

  it('never leaks a provider, PostHog or client key into events or logs', async () => {
    expect(stack.posthog.events.length).toBeGreaterThan(20)
    const events = JSON.stringify(stack.posthog.events.map((event) => event.properties))
    const logs = stack.proxy.logs().join('\n')
    for (const secret of [...Object.values(SECRETS), KEYS.main]) {
      expect(events).not.toContain(secret)
      expect(logs).not.toContain(secret)
    }
    expect(stack.posthog.errors).toEqual([])
  })
})
