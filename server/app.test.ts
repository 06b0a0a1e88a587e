import { describe, expect, it } from 'vitest'
import type { PostHogEvent } from '../shared/event/types.ts'
import { GenerationRecorder } from './analytics/recorder.ts'
import type { AnalyticsSink } from './analytics/sink.ts'
import { createApp } from './app.ts'
import { loadConfig } from './config/load.ts'
import { Metrics } from './metrics.ts'
import { Paywalls } from './paywalls.ts'

/** The app in-process, as both entry files build it, with a sink that only records. */
function app() {
  const loaded = loadConfig(
    JSON.stringify({ paywalls: [{ id: 'pw', apiKeys: ['k'], providers: { openai: { apiKey: 'x', baseUrl: 'http://127.0.0.1:9/v1' } } }] }),
    {},
  )
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'))
  const built = Paywalls.build(loaded.config)
  if (!built.ok) throw new Error(built.errors.join('\n'))
  const sent: PostHogEvent[] = []
  const sink: AnalyticsSink = { send: async (_, event) => void sent.push(event), shutdown: async () => {} }
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
  return { hono, drain: () => (draining = true) }
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
})
