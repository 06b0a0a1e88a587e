/**
 * Proves the fake upstream speaks the documented Anthropic Messages format, by driving it with the official
 * `@anthropic-ai/sdk` (no proxy involved).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import Anthropic from '@anthropic-ai/sdk'
import {
  ANTHROPIC_ERROR_429_BODY,
  error400Message,
  FAKE_ANTHROPIC_MODELS,
  FAKE_ANTHROPIC_TEXT,
  FAKE_ANTHROPIC_TEXT_PIECES,
  FAKE_ANTHROPIC_USAGE,
  FAKE_THINKING,
  FAKE_TOOL_TEXT,
  FAKE_TOOL_USE,
  MAX_TOKENS_PIECES,
  MID_STREAM_PIECES,
  startFakeAnthropic,
  type FakeAnthropic,
} from './anthropic-upstream.ts'

let fake: FakeAnthropic
let client: Anthropic

beforeAll(async () => {
  fake = await startFakeAnthropic()
  client = new Anthropic({ apiKey: 'sk-ant-fake-upstream-key', baseURL: fake.url, maxRetries: 0, timeout: 10_000 })
})
afterAll(async () => {
  await fake?.close()
})
beforeEach(() => {
  fake.reset()
})

const model = 'claude-sonnet-4-5'
const ask = (text: string) => ({ model, max_tokens: 1024, messages: [{ role: 'user' as const, content: text }] })

describe('fake Anthropic upstream', () => {
  it('answers a non-streamed message in the documented format and records the request', async () => {
    const message = await client.messages.create({ ...ask('Hi'), system: 'Be brief.', metadata: { user_id: 'u-1' } })
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: FAKE_ANTHROPIC_TEXT }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: FAKE_ANTHROPIC_USAGE.default,
    })
    expect(message.id).toMatch(/^msg_01[A-Za-z0-9]+$/)

    expect(fake.messageRequests).toHaveLength(1)
    const rec = fake.requests[0]!
    expect(rec.headers['x-api-key']).toBe('sk-ant-fake-upstream-key')
    expect(rec.headers['anthropic-version']).toBe('2023-06-01')
    expect(rec.body).toEqual({ ...ask('Hi'), system: 'Be brief.', metadata: { user_id: 'u-1' } })
    expect(rec).toMatchObject({ method: 'POST', path: '/v1/messages', scenario: 'default', status: 200, aborted: false })
  })

  it('streams the documented named events in order', async () => {
    const stream = client.messages.stream(ask('Hi'))
    const texts: string[] = []
    stream.on('text', (text) => texts.push(text))
    const message = await stream.finalMessage()
    expect(texts).toEqual(FAKE_ANTHROPIC_TEXT_PIECES)
    expect(message.content).toEqual([{ type: 'text', text: FAKE_ANTHROPIC_TEXT }])
    expect(message.stop_reason).toBe('end_turn')
    expect(message.usage).toMatchObject({ input_tokens: 14, output_tokens: 12 })

    const names = fake.requests[0]!.events.map((e) => e.event)
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...FAKE_ANTHROPIC_TEXT_PIECES.map(() => 'content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
  })

  it('streams a tool call as input_json_delta fragments that the SDK parses back', async () => {
    const stream = client.messages.stream({
      ...ask('scenario:tool-use What is the weather in Paris?'),
      tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
    })
    const message = await stream.finalMessage()
    expect(message.stop_reason).toBe('tool_use')
    expect(message.content).toEqual([{ type: 'text', text: FAKE_TOOL_TEXT }, FAKE_TOOL_USE])
    const fragments = fake.requests[0]!.events.filter((e) => (e.data.delta as { type?: string } | undefined)?.type === 'input_json_delta')
    expect(fragments.length).toBeGreaterThan(2)
  })

  it('answers a tool call without streaming', async () => {
    const message = await client.messages.create(ask('scenario:tool-use'))
    expect(message.content).toEqual([{ type: 'text', text: FAKE_TOOL_TEXT }, FAKE_TOOL_USE])
  })

  it('reports cache creation and cache reads, streamed or not', async () => {
    const message = await client.messages.create(ask('scenario:cached'))
    expect(message.usage).toMatchObject({ input_tokens: 24, cache_creation_input_tokens: 1200, cache_read_input_tokens: 3400 })
    const streamed = await client.messages.stream(ask('scenario:cached')).finalMessage()
    expect(streamed.usage).toMatchObject({ input_tokens: 24, cache_creation_input_tokens: 1200, cache_read_input_tokens: 3400, output_tokens: 12 })
  })

  it('streams thinking before the answer', async () => {
    const message = await client.messages.stream(ask('scenario:thinking')).finalMessage()
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text'])
    expect(message.content[0]).toMatchObject({ type: 'thinking', thinking: FAKE_THINKING })
  })

  it('spaces the events of scenario:slow-chunks 80 ms apart', async () => {
    const arrivals: number[] = []
    const stream = client.messages.stream(ask('scenario:slow-chunks'))
    stream.on('streamEvent', () => arrivals.push(performance.now()))
    await stream.finalMessage()
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!)
    expect(Math.min(...gaps)).toBeGreaterThan(60)
  })

  it('stops at max_tokens', async () => {
    const message = await client.messages.stream(ask('scenario:max-tokens')).finalMessage()
    expect(message.stop_reason).toBe('max_tokens')
    expect(message.content).toEqual([{ type: 'text', text: MAX_TOKENS_PIECES.join('') }])
  })

  it('answers errors in the documented format with their status', async () => {
    await expect(client.messages.create(ask('scenario:error-400'))).rejects.toMatchObject({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error', message: error400Message(model) } },
    })
    const rateLimited = await client.messages.create(ask('scenario:error-429')).catch((e: unknown) => e)
    expect(rateLimited).toBeInstanceOf(Anthropic.RateLimitError)
    expect((rateLimited as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('1')
    expect((rateLimited as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject(ANTHROPIC_ERROR_429_BODY)
    await expect(client.messages.create(ask('scenario:overloaded'))).rejects.toMatchObject({
      status: 529,
      error: { error: { type: 'overloaded_error', message: 'Overloaded' } },
    })
  })

  it('sends an error event mid-stream, which the SDK raises after the first text', async () => {
    const stream = client.messages.stream(ask('scenario:error-mid-stream'))
    const texts: string[] = []
    stream.on('text', (text) => texts.push(text))
    await expect(stream.finalMessage()).rejects.toMatchObject({ error: { type: 'error', error: { type: 'overloaded_error' } } })
    expect(texts).toEqual(MID_STREAM_PIECES)
    expect(fake.requests[0]!.events.at(-1)?.event).toBe('error')
  })

  it('lists models in the documented format', async () => {
    const page = await client.models.list()
    expect(page.data).toEqual(FAKE_ANTHROPIC_MODELS)
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', status: 200 })
  })

  it('requires x-api-key and anthropic-version, like the real API', async () => {
    const url = `${fake.url}/v1/messages`
    const body = JSON.stringify(ask('Hi'))
    const noKey = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body })
    expect(noKey.status).toBe(401)
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } })
    const noVersion = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k' }, body })
    expect(noVersion.status).toBe(400)
    expect(await noVersion.json()).toMatchObject({ error: { type: 'invalid_request_error' } })
  })

  it('refuses a request without max_tokens', async () => {
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } })
  })
})
