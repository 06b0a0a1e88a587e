/**
 * Proves the fake upstream speaks the documented OpenAI Chat Completions, Responses and Embeddings
 * formats, by driving it with the official `openai` SDK (no proxy involved).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { performance } from 'node:perf_hooks'
import type { ResponseStreamEvent } from 'openai/resources/responses/responses'
import { completionFromResponseJson } from '../../shared/apis/responses/completion.ts'
import { ResponsesStreamAccumulator } from '../../shared/apis/responses/stream.ts'
import { SseSplitter } from '../../shared/sse/index.ts'
import {
  EMBEDDINGS_ERROR_400_BODY,
  FAKE_EMBEDDING_DIMENSIONS,
  FAKE_FUNCTION_CALLS,
  FAKE_RESPONSES_USAGE,
  FAKE_TEXT,
  FAKE_TEXT_PIECES,
  FAKE_TOOL_CALLS,
  FAKE_USAGE,
  LONG_STREAM_PIECES,
  LONG_STREAM_TEXT,
  RESET_PIECES,
  RESPONSE_FAILED_ERROR,
  fakeEmbedding,
  startFakeOpenAI,
  type FakeOpenAI,
} from './openai-upstream.ts'

let fake: FakeOpenAI
let client: OpenAI

beforeAll(async () => {
  fake = await startFakeOpenAI()
  client = new OpenAI({ apiKey: 'sk-fake-upstream-key', baseURL: fake.url, maxRetries: 0, timeout: 10_000 })
})
afterAll(async () => {
  await fake?.close()
})
beforeEach(() => {
  fake.reset()
})

const user = (content: string) => [{ role: 'user' as const, content }]

describe('fake OpenAI upstream', () => {
  it('listens on 127.0.0.1 with a /v1 base URL', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
  })

  it('answers a non-streamed completion in the documented format', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Hi'), user: 'u-1' })
    expect(res.id).toMatch(/^chatcmpl-[A-Za-z0-9]+$/)
    expect(res.object).toBe('chat.completion')
    expect(res.model).toBe('gpt-4o-mini-2024-07-18')
    expect(typeof res.created).toBe('number')
    expect(res.system_fingerprint).toMatch(/^fp_/)
    expect(res.choices).toHaveLength(1)
    expect(res.choices[0]).toMatchObject({
      index: 0,
      message: { role: 'assistant', content: FAKE_TEXT },
      logprobs: null,
      finish_reason: 'stop',
    })
    expect(res.usage).toEqual(FAKE_USAGE.default)
    expect(res.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    })

    expect(fake.requests).toHaveLength(1)
    const rec = fake.requests[0]!
    expect(rec.method).toBe('POST')
    expect(rec.path).toBe('/v1/chat/completions')
    expect(rec.headers.authorization).toBe('Bearer sk-fake-upstream-key')
    expect(rec.headers['content-type']).toMatch(/^application\/json/)
    expect(rec.body).toEqual({ model: 'gpt-4o-mini', messages: user('Hi'), user: 'u-1' })
    expect(rec.scenario).toBe('default')
    expect(rec.status).toBe(200)
    expect(rec.aborted).toBe(false)
  })

  it('echoes models it has no snapshot for', async () => {
    const res = await client.chat.completions.create({ model: 'meta-llama/llama-3.1-70b', messages: user('Hi') })
    expect(res.model).toBe('meta-llama/llama-3.1-70b')
  })

  it('streams with a usage-only last chunk when include_usage is true', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('Hi'),
      stream: true,
      stream_options: { include_usage: true },
    })
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const chunk of stream) chunks.push(chunk)

    const usageChunk = chunks.at(-1)!
    expect(usageChunk.choices).toEqual([])
    expect(usageChunk.usage).toEqual(FAKE_USAGE.default)
    for (const c of chunks.slice(0, -1)) {
      expect(c.usage).toBeNull()
      expect(c.object).toBe('chat.completion.chunk')
      expect(c.model).toBe('gpt-4o-mini-2024-07-18')
      expect(c.id).toBe(usageChunk.id)
    }
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' })
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')
    expect(text).toBe(FAKE_TEXT)
    const finish = chunks.at(-2)!
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' })
    expect(chunks.slice(0, -2).every((c) => c.choices[0]!.finish_reason === null)).toBe(true)

    const rec = fake.requests[0]!
    expect(rec.headers.authorization).toBe('Bearer sk-fake-upstream-key')
    // one SSE event per write, [DONE] last, with a write time each
    expect(rec.chunks).toHaveLength(chunks.length + 1)
    expect(rec.chunks.at(-1)).toBe('[DONE]')
    expect(rec.chunkWrites).toHaveLength(rec.chunks.length)
  })

  it('streams without usage at all when include_usage is not set', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Hi'), stream: true })
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThan(2)
    for (const c of chunks) {
      expect('usage' in c).toBe(false)
      expect(c.choices).toHaveLength(1)
    }
    expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe(FAKE_TEXT)
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop')
  })

  it('writes SSE as `data: <json>\\n\\n` with an event-stream content type', async () => {
    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: user('Hi'), stream: true }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const raw = await res.text()
    const events = raw.split('\n\n').filter(Boolean)
    expect(events.every((e) => e.startsWith('data: ') && !e.includes('\n'))).toBe(true)
    expect(events.at(-1)).toBe('data: [DONE]')
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true)
  })

  it('streams tool calls as deltas by index that the SDK merges', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } },
      },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ]
    const runner = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: user('scenario:tool-calls'),
      tools,
      stream_options: { include_usage: true },
    })
    const final = await runner.finalChatCompletion()
    expect(final.choices[0]!.finish_reason).toBe('tool_calls')
    expect(final.choices[0]!.message.tool_calls).toEqual(FAKE_TOOL_CALLS)
    expect(final.usage).toEqual(FAKE_USAGE['tool-calls'])

    // the first delta of each call carries id/type/name, its arguments arrive over several deltas
    const deltas = fake.requests[0]!.chunks
      .filter((c) => c !== '[DONE]')
      .map((c) => JSON.parse(c))
      .flatMap((c) => c.choices.flatMap((ch: any) => ch.delta.tool_calls ?? []))
    for (const [index, call] of FAKE_TOOL_CALLS.entries()) {
      const mine = deltas.filter((d: any) => d.index === index)
      expect(mine[0]).toMatchObject({ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } })
      expect(mine.slice(1).length).toBeGreaterThan(1)
      for (const d of mine.slice(1)) expect(Object.keys(d).sort()).toEqual(['function', 'index'])
      expect(mine.map((d: any) => d.function.arguments).join('')).toBe(call.function.arguments)
    }
  })

  it('answers tool calls non-streamed too', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: user('scenario:tool-calls') })
    expect(res.model).toBe('gpt-4o-2024-08-06')
    expect(res.choices[0]!.message).toMatchObject({ role: 'assistant', content: null, tool_calls: FAKE_TOOL_CALLS })
    expect(res.choices[0]!.finish_reason).toBe('tool_calls')
  })

  it('raises BadRequestError for scenario:error-400', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: user('scenario:error-400') })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    const e = err as InstanceType<typeof OpenAI.BadRequestError>
    expect(e.status).toBe(400)
    expect(e.type).toBe('invalid_request_error')
    expect(e.param).toBe('temperature')
    expect(e.code).toBe('invalid_value')
    expect(e.message).toContain("Invalid value for 'temperature'")
  })

  it('raises the status error for a stream request too (error before any chunk)', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: user('scenario:error-400'), stream: true })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
  })

  it('raises RateLimitError with retry-after for scenario:error-429', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: user('scenario:error-429') })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    const e = err as InstanceType<typeof OpenAI.RateLimitError>
    expect(e.status).toBe(429)
    expect(e.headers?.get('retry-after')).toBe('1')
    expect(e.type).toBe('requests')
    expect(e.code).toBe('rate_limit_exceeded')
  })

  it('raises InternalServerError for scenario:error-500', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: user('scenario:error-500') })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.InternalServerError)
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).type).toBe('server_error')
  })

  it('reports cached and reasoning tokens for scenario:cached', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: user('scenario:cached') })
    expect(res.usage).toMatchObject({
      prompt_tokens: 1000,
      prompt_tokens_details: { cached_tokens: 200 },
      completion_tokens_details: { reasoning_tokens: 20 },
    })
  })

  it('adds usage.cost for scenario:openrouter-cost (stream and non-stream)', async () => {
    const res = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: user('scenario:openrouter-cost') })
    expect(res.model).toBe('openai/gpt-4o-mini')
    expect((res.usage as unknown as { cost: number }).cost).toBe(0.00042)
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: user('scenario:openrouter-cost'),
      stream: true,
      stream_options: { include_usage: true },
    })
    let cost: number | undefined
    for await (const c of stream) if (c.usage) cost = (c.usage as unknown as { cost: number }).cost
    expect(cost).toBe(0.00042)
  })

  it('reads the scenario from the last message only', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'scenario:error-500' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'plain question' },
      ],
    })
    expect(res.choices[0]!.message.content).toBe(FAKE_TEXT)
  })

  it('spaces scenario:slow-chunks 80 ms apart, each chunk arriving before the next is written', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('scenario:slow-chunks'),
      stream: true,
    })
    const arrivals: number[] = []
    for await (const _ of stream) arrivals.push(performance.now())
    const writes = fake.requests[0]!.chunkWrites
    expect(arrivals.length).toBe(writes.length - 1) // [DONE] is not yielded by the SDK
    for (let i = 1; i < writes.length; i++) expect(writes[i]! - writes[i - 1]!).toBeGreaterThanOrEqual(75)
    for (let i = 0; i < arrivals.length; i++) {
      expect(arrivals[i]!).toBeGreaterThanOrEqual(writes[i]!)
      expect(arrivals[i]!).toBeLessThan(writes[i + 1]!)
    }
  })

  it('sends 20 content chunks for scenario:long-stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('scenario:long-stream'),
      stream: true,
      stream_options: { include_usage: true },
    })
    const contents: string[] = []
    for await (const c of stream) {
      const t = c.choices[0]?.delta.content
      if (t) contents.push(t)
    }
    expect(contents).toEqual(LONG_STREAM_PIECES)
    expect(contents.join('')).toBe(LONG_STREAM_TEXT)
  })

  it('destroys the socket after 3 content chunks for scenario:reset-mid-stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('scenario:reset-mid-stream'),
      stream: true,
      stream_options: { include_usage: true },
    })
    const contents: string[] = []
    const err = await (async () => {
      for await (const c of stream) contents.push(c.choices[0]?.delta.content ?? '')
    })().then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(Error)
    expect(contents).toEqual(RESET_PIECES)
    expect(fake.requests[0]!.chunks).toHaveLength(3)
    expect(fake.aborted).toBe(0) // the fake hung up, not the client
  })

  it('drops the connection in the middle of the body for a non-streamed scenario:reset-mid-stream', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: user('scenario:reset-mid-stream') })
      .catch((e: unknown) => e)
    // Headers arrived, so the SDK fails reading the body: undici's "terminated".
    expect(err).toBeInstanceOf(TypeError)
    expect((err as Error).message).toBe('terminated')
  })

  it('never answers scenario:hang and counts the client going away', async () => {
    const ac = new AbortController()
    const pending = client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: user('scenario:hang') }, { signal: ac.signal })
      .catch((e: unknown) => e)
    await fake.waitForRequests(1)
    await new Promise((r) => setTimeout(r, 100))
    expect(fake.requests[0]!.status).toBeNull()
    expect(fake.aborted).toBe(0)
    ac.abort()
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError)
    await fake.waitForAborted(1, 2000)
    expect(fake.requests[0]!.aborted).toBe(true)
  })

  it('counts a client that disconnects mid-stream', async () => {
    const ac = new AbortController()
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: user('scenario:slow-chunks'), stream: true },
      { signal: ac.signal },
    )
    let n = 0
    await (async () => {
      for await (const _ of stream) if (++n === 2) ac.abort()
    })().catch(() => {})
    await fake.waitForAborted(1, 2000)
    const rec = fake.requests[0]!
    expect(rec.aborted).toBe(true)
    expect(rec.chunks.length).toBeLessThan(9)
  })

  it('lists models in the OpenAI list format', async () => {
    const page = await client.models.list()
    const ids = page.data.map((m) => m.id)
    expect(ids).toContain('gpt-4o-mini')
    for (const m of page.data) {
      expect(m).toMatchObject({ object: 'model', owned_by: expect.any(String), created: expect.any(Number) })
    }
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' })
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-fake-upstream-key')
  })

  it('answers unknown routes with an OpenAI 404', async () => {
    const res = await fetch(`${fake.origin}/chat/completions`, { method: 'POST', body: '{}' })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } })
  })
})

const TEXT_EVENT_TYPES = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  ...FAKE_TEXT_PIECES.map(() => 'response.output_text.delta'),
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
]

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = []
  for await (const event of stream) events.push(event)
  return events
}

describe('fake OpenAI upstream: Responses', () => {
  it('answers a non-streamed response in the documented format', async () => {
    const res = await client.responses.create({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'Hi', user: 'u-1' })
    expect(res.id).toMatch(/^resp_[0-9a-f]{48}$/)
    expect(res.object).toBe('response')
    expect(res.status).toBe('completed')
    expect(res.model).toBe('gpt-4o-mini-2024-07-18')
    expect(res.instructions).toBe('Be brief.')
    expect(res.output_text).toBe(FAKE_TEXT) // the SDK's own join of the output_text parts
    expect(res.output).toEqual([
      {
        id: expect.stringMatching(/^msg_[0-9a-f]{48}$/),
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', annotations: [], logprobs: [], text: FAKE_TEXT }],
      },
    ])
    expect(res.usage).toEqual(FAKE_RESPONSES_USAGE.default)
    expect(res.usage).toEqual({
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 19,
    })

    const rec = fake.responsesRequests[0]!
    expect(rec.headers.authorization).toBe('Bearer sk-fake-upstream-key')
    expect(rec.body).toEqual({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'Hi', user: 'u-1' })
    expect(rec.scenario).toBe('default')
    expect(rec.status).toBe(200)
  })

  it('streams the documented typed events in order, numbered, text in deltas, usage in response.completed', async () => {
    const events = await collect(await client.responses.create({ model: 'gpt-4o-mini', input: 'Hi', stream: true }))
    expect(events.map((e) => e.type)).toEqual(TEXT_EVENT_TYPES)
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i))
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []))
    expect(deltas).toEqual(FAKE_TEXT_PIECES)

    const created = events[0]!
    const completed = events.at(-1)!
    if (created.type !== 'response.created' || completed.type !== 'response.completed') throw new Error('unexpected ends')
    expect(created.response).toMatchObject({ status: 'in_progress', output: [], usage: null })
    expect(completed.response.id).toBe(created.response.id)
    expect(completed.response).toMatchObject({
      status: 'completed',
      model: 'gpt-4o-mini-2024-07-18',
      output: [{ type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: FAKE_TEXT }] }],
    })
    expect(completed.response.usage).toEqual(FAKE_RESPONSES_USAGE.default)

    const rec = fake.responsesRequests[0]!
    expect(rec.chunks).toHaveLength(events.length)
    expect(rec.chunkWrites).toHaveLength(events.length)
  })

  it('writes each event as `event: <type>` + `data: <json>`, with no [DONE]', async () => {
    const res = await fetch(`${fake.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Hi', stream: true }),
    })
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const frames = (await res.text()).split('\n\n').filter(Boolean)
    expect(frames).toHaveLength(TEXT_EVENT_TYPES.length)
    frames.forEach((frame, i) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n')
      expect(rest).toEqual([])
      expect(eventLine).toBe(`event: ${TEXT_EVENT_TYPES[i]}`)
      expect(JSON.parse(dataLine!.replace(/^data: /, ''))).toMatchObject({ type: TEXT_EVENT_TYPES[i], sequence_number: i })
    })
  })

  it("gives a final response the SDK's stream helper accepts", async () => {
    const final = await client.responses.stream({ model: 'gpt-4o', input: [{ role: 'user', content: 'Hi' }] }).finalResponse()
    expect(final.status).toBe('completed')
    expect(final.model).toBe('gpt-4o-2024-08-06')
    expect(final.output_text).toBe(FAKE_TEXT)
    expect(final.usage).toEqual(FAKE_RESPONSES_USAGE.default)
  })

  it('answers scenario:tool-calls with function_call items, arguments streamed as deltas', async () => {
    const tools = [
      { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } }, strict: false },
      { type: 'function' as const, name: 'get_time', parameters: { type: 'object', properties: {} }, strict: false },
    ]
    const final = await client.responses
      .stream({ model: 'gpt-4o-mini', input: [{ role: 'user', content: [{ type: 'input_text', text: 'scenario:tool-calls' }] }], tools })
      .finalResponse()
    // The stream helper adds `parsed_arguments` (null: these tools are not strict).
    expect(final.output).toEqual(FAKE_FUNCTION_CALLS.map((call) => ({ ...call, parsed_arguments: null })))
    expect(final.output.map((item) => item.type === 'function_call' && item.call_id)).toEqual(FAKE_TOOL_CALLS.map((c) => c.id))
    expect(final.usage).toEqual(FAKE_RESPONSES_USAGE['tool-calls'])

    const events = fake.responsesRequests[0]!.chunks.map((c) => JSON.parse(c))
    for (const [index, call] of FAKE_FUNCTION_CALLS.entries()) {
      const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta' && e.output_index === index)
      expect(deltas.length).toBeGreaterThan(1)
      expect(deltas.every((d) => d.item_id === call.id)).toBe(true)
      expect(deltas.map((d) => d.delta).join('')).toBe(call.arguments)
      const added = events.find((e) => e.type === 'response.output_item.added' && e.output_index === index)
      expect(added.item).toMatchObject({ type: 'function_call', call_id: call.call_id, name: call.name, arguments: '' })
    }

    const json = await client.responses.create({ model: 'gpt-4o-mini', input: 'scenario:tool-calls', tools })
    expect(json.output).toEqual(FAKE_FUNCTION_CALLS)
  })

  it('streams what it answers as JSON, as the core reads both', async () => {
    for (const input of ['Hi', 'scenario:tool-calls', 'scenario:cached']) {
      const json = await client.responses.create({ model: 'gpt-4o-mini', input })
      const res = await fetch(`${fake.url}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
        body: JSON.stringify({ model: 'gpt-4o-mini', input, stream: true }),
      })
      const acc = new ResponsesStreamAccumulator()
      const splitter = new SseSplitter()
      for (const event of splitter.push(await res.text())) acc.add(JSON.parse(event.data ?? 'null'), null)
      expect({ ...acc.result(), id: null }).toEqual({ ...completionFromResponseJson(json), id: null })
      expect(acc.result().usage?.inputTokens).toBeGreaterThan(0)
    }
  })

  it('reports cached and reasoning tokens for scenario:cached', async () => {
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'scenario:cached' })
    expect(res.usage).toMatchObject({
      input_tokens: 1000,
      input_tokens_details: { cached_tokens: 200 },
      output_tokens_details: { reasoning_tokens: 20 },
    })
  })

  it('reads the scenario from the last user message only', async () => {
    const res = await client.responses.create({
      model: 'gpt-4o-mini',
      input: [
        { role: 'user', content: 'scenario:error-500' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'plain question' },
        { type: 'function_call_output', call_id: 'call_1', output: 'scenario:error-400' },
      ],
    })
    expect(res.output_text).toBe(FAKE_TEXT)
  })

  it('raises BadRequestError and RateLimitError for scenario:error-400 and error-429, streamed or not', async () => {
    const bad = await client.responses.create({ model: 'gpt-4o-mini', input: 'scenario:error-400', stream: true }).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError)
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature')
    const limited = await client.responses.create({ model: 'gpt-4o-mini', input: 'scenario:error-429' }).catch((e: unknown) => e)
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError)
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('1')
  })

  it('destroys the socket after 3 text deltas for scenario:reset-mid-stream', async () => {
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'scenario:reset-mid-stream', stream: true })
    const events: ResponseStreamEvent[] = []
    const err = await (async () => {
      for await (const event of stream) events.push(event)
    })().then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(Error)
    expect(events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []))).toEqual(RESET_PIECES)
    expect(events.some((e) => e.type === 'response.completed')).toBe(false)
    expect(fake.aborted).toBe(0)

    const json = await client.responses.create({ model: 'gpt-4o-mini', input: 'scenario:reset-mid-stream' }).catch((e: unknown) => e)
    expect((json as Error).message).toBe('terminated')
  })

  it('ends scenario:failed with response.failed after some text (non-streamed: a 500)', async () => {
    const events = await collect(await client.responses.create({ model: 'gpt-4o-mini', input: 'scenario:failed', stream: true }))
    expect(events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []))).toEqual(RESET_PIECES)
    const last = events.at(-1)!
    if (last.type !== 'response.failed') throw new Error(`last event is ${last.type}`)
    expect(last.response).toMatchObject({ status: 'failed', error: RESPONSE_FAILED_ERROR, usage: null })

    const json = await client.responses.create({ model: 'gpt-4o-mini', input: 'scenario:failed' }).catch((e: unknown) => e)
    expect(json).toBeInstanceOf(OpenAI.InternalServerError)
  })
})

describe('fake OpenAI upstream: Embeddings', () => {
  it('answers base64 vectors, which the SDK asks for by default and decodes', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'The food was delicious and the waiter...' })
    expect(fake.embeddingsRequests[0]!.body).toEqual({
      model: 'text-embedding-3-small',
      input: 'The food was delicious and the waiter...',
      encoding_format: 'base64',
    })
    expect(res.object).toBe('list')
    expect(res.model).toBe('text-embedding-3-small')
    expect(res.data).toEqual([{ object: 'embedding', index: 0, embedding: fakeEmbedding('The food was delicious and the waiter...') }])
    expect(res.data[0]!.embedding).toHaveLength(FAKE_EMBEDDING_DIMENSIONS)
    expect(res.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 })
  })

  it('answers floats on request, one vector per input, dimensions long', async () => {
    const res = await client.embeddings.create({
      model: 'text-embedding-3-large',
      input: ['first doc', 'second doc'],
      encoding_format: 'float',
      dimensions: 4,
    })
    expect(res.data).toEqual([
      { object: 'embedding', index: 0, embedding: fakeEmbedding('first doc', 4) },
      { object: 'embedding', index: 1, embedding: fakeEmbedding('second doc', 4) },
    ])
    expect(res.data[0]!.embedding).not.toEqual(res.data[1]!.embedding)
    expect(res.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 })
    const raw = JSON.parse(fake.requests[0]!.rawBody)
    expect(raw.encoding_format).toBe('float')
  })

  it('embeds token arrays, counting one token per id', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: [[791, 3691, 574], [8586, 374]] })
    expect(res.data.map((d) => d.embedding)).toEqual([fakeEmbedding([791, 3691, 574]), fakeEmbedding([8586, 374])])
    expect(res.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 })
  })

  it('raises BadRequestError for scenario:error-400 and for an empty input', async () => {
    const err = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'scenario:error-400' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect((err as Error).message).toContain(EMBEDDINGS_ERROR_400_BODY.error.message)
    const empty = await client.embeddings.create({ model: 'text-embedding-3-small', input: '' }).catch((e: unknown) => e)
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError)
    expect(fake.embeddingsRequests.map((r) => r.scenario)).toEqual(['error-400', 'default'])
  })
})

describe('fake OpenAI upstream close()', () => {
  it('ends hanging requests and does not count them as client aborts', async () => {
    const own = await startFakeOpenAI()
    const c = new OpenAI({ apiKey: 'k', baseURL: own.url, maxRetries: 0, timeout: 10_000 })
    const pending = c.chat.completions.create({ model: 'gpt-4o-mini', messages: user('scenario:hang') }).catch((e: unknown) => e)
    await own.waitForRequests(1)
    await own.close()
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError)
    expect(own.aborted).toBe(0)
  })
})
