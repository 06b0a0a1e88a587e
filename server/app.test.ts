import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PostHogEvent } from '../shared/event/types.ts'
import { type FakeOpenAI, FAKE_TEXT, startFakeOpenAI } from '../test/fakes/openai-upstream.ts'
import { GenerationRecorder } from './analytics/recorder.ts'
import type { AnalyticsSink } from './analytics/sink.ts'
import { createApp } from './app.ts'
import { loadConfig } from './config/load.ts'
import { Metrics } from './metrics.ts'
import { Paywalls } from './paywalls.ts'

/**
 * The app in-process, as both entry files build it, with a sink that records and whose `send` resolves
 * (the event is written, as far as the proxy knows) only when `release()` is called, or at once with `held: false`.
 */
function app({ upstreamUrl = 'http://127.0.0.1:9/v1', held = false } = {}) {
  const posthog = { enabled: true, apiKey: 'phc_test', host: 'http://127.0.0.1:9' }
  const loaded = loadConfig(
    JSON.stringify({ paywalls: [{ id: 'pw', apiKeys: ['k'], providers: { openai: { apiKey: 'x', baseUrl: upstreamUrl } }, posthog }] }),
    {},
  )
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'))
  const built = Paywalls.build(loaded.config)
  if (!built.ok) throw new Error(built.errors.join('\n'))
  const sent: PostHogEvent[] = []
  let release!: () => void
  const written = held ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()
  const sink: AnalyticsSink = {
    send: (_, event) => {
      sent.push(event)
      return written
    },
    shutdown: async () => {},
  }
  const metrics = new Metrics()
  const log = () => {}
  let draining = false
  const hono = createApp({
    config: loaded.config,
    paywalls: () => built.paywalls,
    recorder: new GenerationRecorder(sink, metrics, log, '0.0.0'),
    metrics,
    log,
    draining: () => draining,
  })
  return { hono, sent, release: () => release(), drain: () => (draining = true) }
}

/** Settles with 'pending' if `promise` has not settled after the event loop has had time to run. */
async function stateAfterAWhile(promise: Promise<unknown>): Promise<'settled' | 'pending'> {
  const pending = new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 100))
  return Promise.race([promise.then(() => 'settled' as const), pending])
}

describe('createApp', () => {
  it('is ready until shutdown begins, then says so and closes connections', async () => {
    const { hono, drain } = app()
    expect((await hono.request('/readyz')).status).toBe(200)
    drain()
    const during = await hono.request('/readyz')
    expect(during.status).toBe(503)
    expect(during.headers.get('connection')).toBe('close')
    expect((await hono.request('/healthz')).status).toBe(200)
  })

  it('puts a request id on every response, its own errors included', async () => {
    const { hono } = app()
    const unauthorized = await hono.request('/v1/chat/completions', { method: 'POST', body: '{}' })
    expect(unauthorized.status).toBe(401)
    expect(unauthorized.headers.get('x-openstack-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(unauthorized.headers.get('server-timing')).toMatch(/^proxy;dur=/)
  })

  describe("a response's last byte waits until its event is written (so kill -9 cannot lose an answered request's event)", () => {
    let upstream: FakeOpenAI
    beforeAll(async () => {
      upstream = await startFakeOpenAI()
    })
    afterAll(() => upstream.close())
    const chat = (stream: boolean) => ({
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', user: 'u1', stream, messages: [{ role: 'user', content: 'hi' }] }),
    })

    it('non-stream: the response is held until the event is written', async () => {
      const { hono, sent, release } = app({ upstreamUrl: upstream.url, held: true })
      const answering = Promise.resolve(hono.request('/v1/chat/completions', chat(false)))
      expect(await stateAfterAWhile(answering)).toBe('pending')
      expect(sent).toHaveLength(1) // built and handed over; only the write is awaited
      release()
      const res = await answering
      expect(res.status).toBe(200)
      expect((await res.json()).choices[0].message.content).toBe(FAKE_TEXT)
    })

    it('stream: every chunk is relayed at once, and the stream closes once the event is written', async () => {
      const { hono, sent, release } = app({ upstreamUrl: upstream.url, held: true })
      const res = await hono.request('/v1/chat/completions', chat(true))
      const reader = res.body!.getReader()
      const decoder = new TextDecoder()
      let text = ''
      const closed = (async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value, { stream: true })
      })()
      expect(await stateAfterAWhile(closed)).toBe('pending')
      expect(sent).toHaveLength(1)
      expect(text).toContain('data: [DONE]')
      release()
      await closed
    })

    it('an upstream that cannot be reached: the 502 also waits for its event', async () => {
      const { hono, sent, release } = app({ held: true })
      const answering = Promise.resolve(hono.request('/v1/chat/completions', chat(false)))
      expect(await stateAfterAWhile(answering)).toBe('pending')
      expect(sent.map((e) => e.properties.$ai_http_status)).toEqual([502])
      release()
      expect((await answering).status).toBe(502)
    })
  })
})
