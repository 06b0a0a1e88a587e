/**
 * Proves the fake PostHog accepts exactly what the real posthog-node sends, and refuses what PostHog refuses.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PostHog } from 'posthog-node'
import { uuidv7 } from 'uuidv7'
import { gzipSync } from 'node:zlib'
import { startFakePostHog, type FakePostHog } from './posthog-capture.ts'

let fake: FakePostHog
beforeEach(async () => {
  fake = await startFakePostHog()
})
afterEach(async () => {
  await fake.close()
})

const aiProps = {
  $ai_model: 'gpt-4o-mini-2024-07-18',
  $ai_provider: 'openai',
  $ai_input: [{ role: 'user', content: 'Hi' }],
  $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Hello' }] }],
  $ai_input_tokens: 12,
  $ai_output_tokens: 7,
  $ai_latency: 0.42,
  $ai_http_status: 200,
  $ai_is_error: false,
  $ai_trace_id: 'trace-1',
}

function validEvent(overrides: Record<string, unknown> = {}) {
  return {
    event: '$ai_generation',
    distinct_id: 'user-1',
    uuid: uuidv7(),
    timestamp: new Date().toISOString(),
    properties: { ...aiProps },
    ...overrides,
  }
}

async function post(body: unknown, { gzip = true, headers = {} as Record<string, string>, path = '/batch/' } = {}) {
  const json = typeof body === 'string' ? body : JSON.stringify(body)
  const res = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}), ...headers },
    body: gzip ? gzipSync(json) : json,
  })
  return { status: res.status, body: await res.json().catch(() => null) }
}

describe('fake PostHog with the real posthog-node', () => {
  it('records an $ai_generation exactly as posthog-node sends it', async () => {
    const client = new PostHog('phc_test', { host: fake.url, flushAt: 1, flushInterval: 0 })
    const errors: unknown[] = []
    client.on('error', (e) => errors.push(e))
    const uuid = uuidv7()
    const timestamp = new Date('2025-03-04T05:06:07.089Z')
    client.capture({ distinctId: 'user-42', event: '$ai_generation', uuid, timestamp, properties: aiProps })
    await client.shutdown(5000)

    expect(errors).toEqual([])
    expect(fake.errors).toEqual([])
    const events = await fake.waitForEvents(1, 2000)
    expect(events).toHaveLength(1)
    const ev = events[0]!
    expect(ev.event).toBe('$ai_generation')
    expect(ev.distinct_id).toBe('user-42')
    expect(ev.uuid).toBe(uuid)
    expect(ev.timestamp).toBe('2025-03-04T05:06:07.089Z')
    expect(ev.api_key).toBe('phc_test')
    expect(ev.properties).toMatchObject(aiProps)
    expect(ev.properties.$lib).toBe('posthog-node')
    expect(typeof ev.properties.$lib_version).toBe('string')

    expect(fake.batches).toBe(1)
    const req = fake.requests[0]!
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/batch/')
    expect(req.gzip).toBe(true)
    expect(req.headers['content-type']).toBe('application/json')
    expect(req.wireBytes).toBeLessThan(req.bodyBytes)
    expect(req.body.api_key).toBe('phc_test')
    expect(Number.isNaN(Date.parse(req.body.sent_at))).toBe(false)
    expect(req.status).toBe(200)
  })

  it('accepts several events in batches and captureImmediate', async () => {
    const client = new PostHog('phc_test', { host: fake.url, flushAt: 2, flushInterval: 0 })
    for (let i = 0; i < 3; i++) {
      client.capture({ distinctId: `user-${i}`, event: '$ai_generation', uuid: uuidv7(), properties: aiProps })
    }
    await client.captureImmediate({ distinctId: 'user-x', event: '$ai_embedding', uuid: uuidv7(), properties: aiProps })
    await client.shutdown(5000)
    const events = await fake.waitForEvents(4, 2000)
    expect(events.map((e) => e.distinct_id).sort()).toEqual(['user-0', 'user-1', 'user-2', 'user-x'])
    expect(fake.errors).toEqual([])
  })

  it('sees posthog-node retry after injected failures (HTTP 503, then a network error)', async () => {
    fake.failNext(503, 1)
    const client = new PostHog('phc_test', { host: fake.url, flushAt: 1, flushInterval: 0, fetchRetryDelay: 10 })
    client.on('error', () => {})
    const uuid = uuidv7()
    client.capture({ distinctId: 'user-1', event: '$ai_generation', uuid, properties: aiProps })
    await client.flush().catch(() => {})
    const events = await fake.waitForEvents(1, 3000)
    expect(events[0]!.uuid).toBe(uuid)
    expect(fake.requests.map((r) => r.status)).toEqual([503, 200])
    expect(fake.requests[0]!.injected).toBe(true)

    fake.failNext(0, 1)
    client.capture({ distinctId: 'user-2', event: '$ai_generation', uuid: uuidv7(), properties: aiProps })
    await client.shutdown(5000)
    await fake.waitForEvents(2, 3000)
    expect(fake.requests.map((r) => r.status)).toEqual([503, 200, 0, 200])
    expect(fake.errors).toEqual([])
  })
})

describe('fake PostHog wire-format checks', () => {
  it('refuses a hand-made batch without distinct_id and records the error', async () => {
    const res = await post({
      api_key: 'phc_test',
      batch: [{ event: '$ai_generation', uuid: uuidv7(), timestamp: new Date().toISOString(), properties: aiProps }],
      sent_at: new Date().toISOString(),
    })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ status: 400, code: 'missing_distinct_id' })
    expect(fake.errors).toHaveLength(1)
    expect(fake.errors[0]).toMatchObject({ status: 400, code: 'missing_distinct_id', path: '/batch/' })
    expect(fake.errors[0]!.message).toContain('batch[0].distinct_id')
    expect(fake.events).toEqual([])
    expect(fake.batches).toBe(0)
  })

  it('accepts an uncompressed valid batch', async () => {
    const ev = validEvent()
    const res = await post({ api_key: 'phc_x', batch: [ev], sent_at: new Date().toISOString() }, { gzip: false })
    expect(res).toEqual({ status: 200, body: { status: 'Ok' } })
    expect(fake.events).toEqual([{ ...ev, api_key: 'phc_x' }])
    expect(fake.requests[0]!.gzip).toBe(false)
  })

  const sentAt = () => new Date().toISOString()
  const cases: Array<[string, () => unknown, number, string]> = [
    ['missing api_key', () => ({ batch: [validEvent()], sent_at: sentAt() }), 401, 'ingest_key_required'],
    ['blank api_key', () => ({ api_key: '  ', batch: [validEvent()], sent_at: sentAt() }), 401, 'ingest_key_required'],
    ['batch not an array', () => ({ api_key: 'phc_x', batch: validEvent(), sent_at: sentAt() }), 400, 'request_parsing_error'],
    ['blank distinct_id', () => ({ api_key: 'phc_x', batch: [validEvent({ distinct_id: '   ' })], sent_at: sentAt() }), 400, 'missing_distinct_id'],
    ['numeric distinct_id', () => ({ api_key: 'phc_x', batch: [validEvent({ distinct_id: 42 })], sent_at: sentAt() }), 400, 'missing_distinct_id'],
    ['uuid not a UUID', () => ({ api_key: 'phc_x', batch: [validEvent({ uuid: 'abc' })], sent_at: sentAt() }), 400, 'invalid_uuid'],
    [
      'uuid v4, not v7',
      () => ({ api_key: 'phc_x', batch: [validEvent({ uuid: '0b9a9e5c-3f4e-4d2a-9c1b-2f3e4d5c6b7a' })], sent_at: sentAt() }),
      400,
      'invalid_uuid',
    ],
    ['missing uuid', () => ({ api_key: 'phc_x', batch: [validEvent({ uuid: undefined })], sent_at: sentAt() }), 400, 'invalid_uuid'],
    ['epoch timestamp', () => ({ api_key: 'phc_x', batch: [validEvent({ timestamp: Date.now() })], sent_at: sentAt() }), 400, 'invalid_timestamp'],
    ['non-ISO timestamp', () => ({ api_key: 'phc_x', batch: [validEvent({ timestamp: 'yesterday' })], sent_at: sentAt() }), 400, 'invalid_timestamp'],
    ['properties an array', () => ({ api_key: 'phc_x', batch: [validEvent({ properties: [] })], sent_at: sentAt() }), 400, 'invalid_properties'],
    ['missing event', () => ({ api_key: 'phc_x', batch: [validEvent({ event: undefined })], sent_at: sentAt() }), 400, 'missing_event_name'],
    [
      '$ai_generation without $ai_model',
      () => ({ api_key: 'phc_x', batch: [validEvent({ properties: { ...aiProps, $ai_model: undefined } })], sent_at: sentAt() }),
      400,
      'missing_ai_model',
    ],
    ['missing sent_at', () => ({ api_key: 'phc_x', batch: [validEvent()] }), 400, 'invalid_timestamp'],
  ]
  it.each(cases)('refuses %s', async (_name, body, status, code) => {
    const res = await post(body())
    expect(res.status).toBe(status)
    expect(res.body).toMatchObject({ status, code })
    expect(fake.errors.map((e) => e.code)).toContain(code)
    expect(fake.events).toEqual([])
  })

  it('refuses the whole batch when one event is malformed', async () => {
    const res = await post({ api_key: 'phc_x', batch: [validEvent(), validEvent({ distinct_id: '' })], sent_at: sentAt() })
    expect(res.status).toBe(400)
    expect(fake.events).toEqual([])
  })

  it('refuses malformed JSON, a wrong content type and bad gzip', async () => {
    expect((await post('{not json', { gzip: false })).status).toBe(400)
    expect((await post(JSON.stringify({ api_key: 'phc_x', batch: [validEvent()], sent_at: sentAt() }), { gzip: false, headers: { 'content-type': 'text/plain' } })).status).toBe(400)
    const bad = await fetch(`${fake.url}/batch/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: '{"api_key":"phc_x"}',
    })
    expect(bad.status).toBe(400)
    expect(fake.errors.map((e) => e.code)).toEqual(['request_parsing_error', 'request_decoding_error', 'request_decoding_error'])
  })

  it('refuses a body over 20 MB (413)', async () => {
    const big = { api_key: 'phc_x', batch: [validEvent({ properties: { ...aiProps, pad: 'a'.repeat(21 * 1024 * 1024) } })], sent_at: sentAt() }
    const res = await post(big)
    expect(res.status).toBe(413)
    expect(fake.errors[0]).toMatchObject({ status: 413, code: 'payload_too_large' })
  })

  it('refuses an event over 1 MiB (413)', async () => {
    const res = await post({ api_key: 'phc_x', batch: [validEvent({ properties: { ...aiProps, pad: 'a'.repeat(1024 * 1024) } })], sent_at: sentAt() })
    expect(res.status).toBe(413)
  })

  it('answers 404 off /batch/', async () => {
    const res = await post({ api_key: 'phc_x', batch: [validEvent()], sent_at: sentAt() }, { path: '/capture/' })
    expect(res.status).toBe(404)
    expect(fake.errors[0]!.code).toBe('not_found')
  })

  it('failFor fails every batch for a while (ahead of failNext), then accepts again; reset ends it', async () => {
    const batch = () => ({ api_key: 'phc_x', batch: [validEvent()], sent_at: sentAt() })
    const before = Date.now()
    const until = fake.failFor(503, 300, 2)
    expect(until).toBeGreaterThanOrEqual(before + 300)
    fake.failNext(500, 1)
    const during = [await post(batch()), await post(batch())]
    expect(during.map((r) => r.status)).toEqual([503, 503])
    expect(fake.requests.map((r) => [r.status, r.injected, r.headers['content-type']])).toEqual([
      [503, true, 'application/json'],
      [503, true, 'application/json'],
    ])
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 20))
    // The outage is over: the pending failNext comes next, then batches are accepted.
    expect((await post(batch())).status).toBe(500)
    expect((await post(batch())).status).toBe(200)
    expect(fake.events).toHaveLength(1)
    expect(fake.errors).toEqual([])

    fake.failFor(0, 10_000)
    await expect(post(batch())).rejects.toThrow() // status 0: the connection is destroyed
    fake.failFor(401, 0) // ms <= 0 ends the outage
    expect((await post(batch())).status).toBe(200)
    fake.failFor(400, 10_000)
    fake.reset()
    expect((await post(batch())).status).toBe(200)
  })

  it('waitForEvents rejects with what arrived', async () => {
    await post({ api_key: 'phc_x', batch: [validEvent({ distinct_id: 'only-one' })], sent_at: sentAt() })
    await post({ api_key: 'phc_x', batch: [validEvent({ distinct_id: '' })], sent_at: sentAt() })
    const err = await fake.waitForEvents(2, 100).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/expected 2 event\(s\) within 100 ms, got 1/)
    expect((err as Error).message).toContain('only-one')
    expect((err as Error).message).toContain('distinct_id')
  })
})
