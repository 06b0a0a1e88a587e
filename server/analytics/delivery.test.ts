import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { PostHogEvent } from '../../shared/event/types.ts'
import { jsonLogger } from '../log.ts'
import { type DeliveryMetrics, PostHogDelivery } from './delivery.ts'
import { MemorySpool } from '../../test/fakes/memory-spool.ts'
import { openFileSpool } from './spool/file-spool.ts'
import type { SpoolEntry } from './spool/types.ts'

interface Batch {
  uuids: string[]
  events: Array<{ uuid: string; timestamp: string; distinct_id: string; event: string }>
}

/** PostHog's /batch/ as a fetch: answers each batch with the next planned status (200 once the plan is used up). */
function fakePostHog(plan: Array<number | 'network' | ((batch: Batch) => number)>) {
  const batches: Batch[] = []
  const fetchImpl: typeof fetch = async (_url, init) => {
    const body = JSON.parse(gunzipSync(Buffer.from(init?.body as ArrayBuffer)).toString('utf8')) as { batch: Batch['events'] }
    const batch = { uuids: body.batch.map((e) => e.uuid), events: body.batch }
    batches.push(batch)
    const step = plan.shift() ?? 200
    if (step === 'network') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })
    const status = typeof step === 'function' ? step(batch) : step
    return new Response(status === 200 ? '{"status":"Ok"}' : `{"type":"validation_error","detail":"status ${status}"}`, { status })
  }
  return { batches, fetchImpl }
}

function counters(): DeliveryMetrics & { counts: Record<string, number> } {
  const counts: Record<string, number> = {}
  const add = (name: string) => (n = 1) => void (counts[name] = (counts[name] ?? 0) + n)
  return {
    counts,
    spooled: add('spooled'),
    delivered: add('delivered'),
    retried: add('retried'),
    deadLettered: (n, reason) => add(`dead:${reason}`)(n),
    dropped: (n, reason) => add(`dropped:${reason}`)(n),
    posthogError: add('posthogError'),
  }
}

let sequence = 0
function event(distinctId = 'user-1'): PostHogEvent {
  sequence++
  return {
    event: '$ai_generation',
    distinctId,
    uuid: `0192f0c1-0000-7000-8000-${String(sequence).padStart(12, '0')}`,
    timestamp: new Date(Date.UTC(2026, 10, 29, 12, 0, sequence)),
    properties: { $ai_model: 'gpt-4o-mini', $ai_provider: 'openai' },
  }
}

const TARGET = { host: 'http://127.0.0.1:9', apiKey: 'phc_test' }

function setup(plan: Parameters<typeof fakePostHog>[0], spool = new MemorySpool(), flushAt = 1) {
  const posthog = fakePostHog(plan)
  const metrics = counters()
  const delivery = new PostHogDelivery({
    spool,
    log: jsonLogger(() => {}),
    metrics,
    flushAt,
    flushIntervalMs: 0,
    retry: { baseMs: 20, maxMs: 40 },
    fetch: posthog.fetchImpl,
  })
  return { spool, posthog, metrics, delivery }
}

async function until(condition: () => boolean, timeoutMs = 3000) {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('PostHogDelivery', () => {
  it('does not wait for an ack to be synced before sending the next batch', async () => {
    // Like the file spool: acked events leave pending() at once, the promise resolves after the fdatasync.
    class SlowSyncSpool extends MemorySpool {
      override ack(uuids: Iterable<string>): Promise<void> {
        for (const uuid of uuids) this.entries.delete(uuid)
        return new Promise((resolve) => setTimeout(resolve, 1_000))
      }
    }
    const posthog = fakePostHog([])
    const metrics = counters()
    const spool = new SlowSyncSpool()
    const delivery = new PostHogDelivery({ spool, log: jsonLogger(() => {}), metrics, flushAt: 1, flushIntervalMs: 0, batchSize: 2, fetch: posthog.fetchImpl })
    const started = Date.now()
    for (let i = 0; i < 6; i++) delivery.send(TARGET, event())
    await until(() => posthog.batches.length === 3, 900)
    expect(Date.now() - started).toBeLessThan(900)
    expect(metrics.counts.delivered).toBe(6)
    await delivery.shutdown(2_000)
  })

  it('removes events from the spool only once PostHog accepted their batch, gzipped on the wire', async () => {
    const { spool, posthog, metrics, delivery } = setup([])
    const sent = [event(), event()]
    for (const e of sent) delivery.send(TARGET, e)
    await until(() => spool.entries.size === 0 && posthog.batches.length > 0)
    expect(posthog.batches.flatMap((b) => b.uuids).sort()).toEqual(sent.map((e) => e.uuid).sort())
    expect(metrics.counts).toMatchObject({ spooled: 2, delivered: 2 })
    await delivery.shutdown(1000)
  })

  it('keeps events through 503s and network failures and resends them with the same uuid, timestamp and user', async () => {
    const { spool, posthog, metrics, delivery } = setup([503, 'network', 503])
    const sent = event('user-keep')
    delivery.send(TARGET, sent)
    await until(() => spool.entries.size === 0)
    expect(posthog.batches).toHaveLength(4)
    for (const batch of posthog.batches) {
      expect(batch.events).toEqual([expect.objectContaining({ uuid: sent.uuid, timestamp: sent.timestamp.toISOString(), distinct_id: 'user-keep' })])
    }
    expect(metrics.counts).toMatchObject({ delivered: 1, retried: 3 })
    await delivery.shutdown(1000)
  })

  it('backs off between attempts instead of hammering a failing PostHog', async () => {
    const { spool, posthog, delivery } = setup([503, 503, 503, 503])
    delivery.send(TARGET, event())
    await until(() => spool.entries.size === 0)
    // Five attempts with full-jitter waits up to 20, 40, 40, 40 ms: never all at once.
    expect(posthog.batches).toHaveLength(5)
    await delivery.shutdown(1000)
  })

  it('finds the one malformed event of a refused batch and dead-letters only it', async () => {
    const bad = event()
    const good = [event(), event()]
    // PostHog refuses every batch that holds the bad event.
    const refuseBad = (batch: Batch) => (batch.uuids.includes(bad.uuid) ? 400 : 200)
    const { spool, posthog, metrics, delivery } = setup(Array.from({ length: 20 }, () => refuseBad), new MemorySpool(), 3)
    for (const e of [good[0]!, bad, good[1]!]) delivery.send(TARGET, e)
    await until(() => spool.entries.size === 0)
    // They went out together first, and the batch was refused as a whole.
    expect(posthog.batches[0]?.uuids).toHaveLength(3)
    expect(spool.dead.map((d) => d.entry.uuid)).toEqual([bad.uuid])
    expect(spool.dead[0]?.reason).toMatch(/PostHog refused the event \(HTTP 400\)/)
    const accepted = posthog.batches.filter((b) => !b.uuids.includes(bad.uuid)).flatMap((b) => b.uuids)
    expect(accepted.sort()).toEqual(good.map((e) => e.uuid).sort())
    expect(metrics.counts['dead:bad-request']).toBe(1)
    await delivery.shutdown(1000)
  })

  it('dead-letters a whole batch PostHog refuses for its project key, with the reason', async () => {
    const { spool, metrics, delivery } = setup([401])
    const sent = event()
    delivery.send(TARGET, sent)
    await until(() => spool.entries.size === 0)
    expect(spool.dead).toEqual([{ entry: expect.objectContaining({ uuid: sent.uuid }), reason: expect.stringMatching(/project key \(HTTP 401\)/) }])
    expect(metrics.counts['dead:unauthorized']).toBe(1)
    await delivery.shutdown(1000)
  })

  it('dead-letters a single event PostHog calls too large', async () => {
    const { spool, metrics, delivery } = setup([413])
    delivery.send(TARGET, event())
    await until(() => spool.entries.size === 0)
    expect(spool.dead[0]?.reason).toMatch(/too large \(HTTP 413\)/)
    expect(metrics.counts['dead:too-large']).toBe(1)
    await delivery.shutdown(1000)
  })

  it('counts an event the full spool refuses, and goes on', async () => {
    const { metrics, delivery } = setup([], new MemorySpool(1))
    delivery.send(TARGET, event())
    delivery.send(TARGET, event())
    await delivery.shutdown(1000)
    expect(metrics.counts['dropped:spool-full']).toBe(1)
    expect(metrics.counts.delivered).toBe(1)
  })

  it('sends what a previous run left in the spool as soon as it resumes', async () => {
    const spool = new MemorySpool()
    const left = event()
    await spool.append([
      { uuid: left.uuid, host: TARGET.host, apiKey: TARGET.apiKey, event: left.event, distinctId: left.distinctId, timestamp: left.timestamp.toISOString(), properties: left.properties },
    ])
    const { posthog, delivery } = setup([], spool)
    delivery.resume()
    await until(() => spool.entries.size === 0)
    expect(posthog.batches[0]?.uuids).toEqual([left.uuid])
    await delivery.shutdown(1000)
  })

  it('on shutdown, waits for the round under way and then sends what came in meanwhile', async () => {
    const spool = new MemorySpool()
    const posthog = fakePostHog([])
    let calls = 0
    // The first batch takes a while to be answered: shutdown begins while it is in flight.
    const slowFirst: typeof fetch = async (input, init) => {
      if (calls++ === 0) await new Promise((resolve) => setTimeout(resolve, 150))
      return posthog.fetchImpl(input, init)
    }
    const delivery = new PostHogDelivery({ spool, log: jsonLogger(() => {}), metrics: counters(), flushAt: 1, flushIntervalMs: 0, fetch: slowFirst })
    delivery.send(TARGET, event())
    await until(() => calls === 1)
    delivery.send(TARGET, event())
    await delivery.shutdown(2000)
    expect(spool.entries.size).toBe(0)
    expect(posthog.batches.flatMap((b) => b.uuids)).toHaveLength(2)
  })

  it('on shutdown, sends every waiting batch from the file spool, whose acked events leave it only once synced', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'delivery-shutdown-'))
    try {
      const spool = await openFileSpool(dir, { maxBytes: 1024 * 1024 })
      const posthog = fakePostHog([])
      const delivery = new PostHogDelivery({ spool, log: jsonLogger(() => {}), metrics: counters(), flushAt: 1_000, flushIntervalMs: 60_000, batchSize: 2, fetch: posthog.fetchImpl })
      const sent = Array.from({ length: 5 }, () => event())
      for (const e of sent) delivery.send(TARGET, e)
      await delivery.shutdown(5_000)
      expect(posthog.batches.flatMap((b) => b.uuids).sort()).toEqual(sent.map((e) => e.uuid).sort())
      const reopened = await openFileSpool(dir, { maxBytes: 1024 * 1024 })
      expect(reopened.stats().depth).toBe(0)
      await reopened.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('on shutdown, sends what waits, and leaves it spooled when PostHog is down', async () => {
    const { spool, delivery } = setup(Array.from({ length: 50 }, () => 503 as const))
    delivery.send(TARGET, event())
    const started = Date.now()
    await delivery.shutdown(2000)
    expect(spool.entries.size).toBe(1)
    expect(Date.now() - started).toBeLessThan(1500)
  })
})
