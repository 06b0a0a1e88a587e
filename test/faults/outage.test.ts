/**
 * SPEC §6 under a PostHog outage: PostHog answers 503 to every batch for 60 s while clients keep sending
 * requests at a steady rate. Every request must still be answered at once, every event must wait in the
 * spool and arrive once PostHog is back, none twice (no batch PostHog accepted goes unacknowledged here),
 * and delivery must resume within about `retryMaxMs` of the recovery.
 *
 * One outage per runtime, both at the same time (each with its own fakes), so the suite takes about 70 s.
 */
import { describe, test } from 'vitest'
import { startFakeOpenAI, FAKE_TEXT, type FakeOpenAI } from '../fakes/openai-upstream.ts'
import { startFakePostHog, type FakePostHog } from '../fakes/posthog-capture.ts'
import { runtimes, startProxy, type RunningProxy } from '../harness/proxy-process.ts'
import {
  chat,
  type ChatResult,
  FAULT_ANALYTICS,
  faultConfig,
  metricValue,
  percentile,
  recordResult,
  scrape,
  sleep,
  tally,
  trackArrivals,
  waitForMetric,
  waitForRequestEvents,
} from './helpers.ts'

const OUTAGE_MS = 60_000
const RATE_PER_S = 20
const REQUESTS = (OUTAGE_MS / 1000) * RATE_PER_S // 1200, one every 50 ms
/** The first 2 s of requests, left out of the latency figures. */
const WARMUP_REQUESTS = 2 * RATE_PER_S
/** After the outage: how long every event may take to arrive (recovery is expected within ~retryMaxMs). */
const DRAIN_MS = 30_000
/** After everything arrived: how long to keep watching for late duplicates. */
const SETTLE_MS = 1_500

describe.concurrent('PostHog answers 503 for 60 s while requests keep flowing', () => {
  test.for(runtimes)(
    '%s: every request is answered, every event arrives after the recovery, none twice',
    { timeout: OUTAGE_MS + DRAIN_MS + 40_000 },
    async (runtime, { expect, onTestFinished }) => {
      const upstream: FakeOpenAI = await startFakeOpenAI()
      const posthog: FakePostHog = await startFakePostHog()
      const proxy: RunningProxy = await startProxy({ runtime, config: faultConfig(upstream.url, posthog.url) })
      const arrivals = trackArrivals(posthog)
      onTestFinished(async () => {
        arrivals.stop()
        await proxy.stop('SIGKILL')
        await Promise.all([upstream.close(), posthog.close()])
      })

      // The outage, and the load through it: request i leaves at t0 + i·50 ms, whatever the others do.
      const t0 = Date.now()
      const outageEnd = posthog.failFor(503, OUTAGE_MS)
      const inFlight: Promise<ChatResult>[] = []
      for (let i = 0; i < REQUESTS; i++) {
        const due = t0 + (i * 1000) / RATE_PER_S
        if (due > Date.now()) await sleep(due - Date.now())
        // One in four streamed, so both ways of ending a request are spooled.
        inFlight.push(chat(proxy.url, { user: `outage-${runtime}-${i}`, stream: i % 4 === 0 }))
      }
      const results = await Promise.all(inFlight)
      const loadEndedAt = Date.now()

      // Still inside the outage (the last request left ~50 ms before its end): nothing reached PostHog yet.
      const duringOutage = await scrape(proxy.url)
      const spoolDepthAtOutageEnd = metricValue(duringOutage, 'openstack_spool_depth')
      const acceptedDuringOutage = posthog.events.length
      const refusedBatches = posthog.requests.filter((r) => r.injected).length

      const answered = results.filter((r) => r.complete)
      const failed = results.filter((r) => !r.complete)
      // Latency once both processes are warm (the first requests of a fresh process pay for its JIT).
      const latencies = results.slice(WARMUP_REQUESTS).map((r) => r.endedAt - r.startedAt)
      const ids = answered.map((r) => r.requestId!)

      let drainError: string | null = null
      await waitForRequestEvents(posthog, ids, Math.max(0, outageEnd - Date.now()) + DRAIN_MS).catch((e: Error) => {
        drainError = e.message
      })
      const lastArrival = arrivals.lastArrivalOf(ids)
      const firstArrival = arrivals.arrivals.length > 0 ? Math.min(...arrivals.arrivals) : null
      const depthAfter = await waitForMetric(proxy.url, 'openstack_spool_depth', {}, (v) => v === 0, 10_000).catch(() => Number.NaN)
      await sleep(SETTLE_MS)
      arrivals.stop()
      const metrics = await scrape(proxy.url)
      const counts = tally(ids, posthog.events)

      await recordResult('posthog-503-60s', runtime, {
        outageMs: OUTAGE_MS,
        requests: REQUESTS,
        ratePerS: RATE_PER_S,
        answered: answered.length,
        failedRequests: failed.length,
        latencyP50MsAfterWarmup: percentile(latencies, 50),
        latencyP99MsAfterWarmup: percentile(latencies, 99),
        latencyMaxMsAfterWarmup: Math.max(...latencies),
        spoolDepthAtOutageEnd,
        refusedBatchesDuringOutage: refusedBatches,
        sent: counts.sent,
        received: counts.received,
        lost: counts.lost,
        duplicated: counts.duplicated,
        unexpected: counts.unexpected,
        firstDeliveryAfterOutageEndMs: firstArrival === null ? null : firstArrival - outageEnd,
        recoveryMs: lastArrival === null ? null : lastArrival - outageEnd,
        batchesAccepted: posthog.batches,
        eventsDeliveredMetric: metricValue(metrics, 'openstack_events_delivered_total'),
        eventsRetriedMetric: metricValue(metrics, 'openstack_events_retried_total'),
        spoolDepthAfter: depthAfter,
        loadSeconds: (loadEndedAt - t0) / 1000,
      })

      // Analytics never fails or delays a request (SPEC §6): all answered, the right text.
      expect(failed.map((r) => `${r.status} ${r.error}`), 'requests that failed during the outage').toEqual([])
      expect(answered.every((r) => r.text === FAKE_TEXT)).toBe(true)
      expect(loadEndedAt, 'the load ran inside the outage').toBeLessThanOrEqual(outageEnd + 2_000)
      // The outage was real: PostHog accepted nothing, refused batches, and the events waited on disk.
      expect(acceptedDuringOutage).toBe(0)
      expect(refusedBatches).toBeGreaterThan(0)
      expect(spoolDepthAtOutageEnd).toBeGreaterThan(REQUESTS * 0.9)
      // After it: every event, once.
      expect(drainError, 'all events arrived').toBeNull()
      expect(counts.lostIds, 'request ids whose event never arrived').toEqual([])
      expect(counts.duplicated, 'events PostHog accepted more than once').toBe(0)
      expect(counts.unexpected).toBe(0)
      expect(counts.splitRequests).toBe(0)
      expect(depthAfter, 'spool depth once drained').toBe(0)
      expect(metricValue(metrics, 'openstack_events_delivered_total')).toBe(REQUESTS)
      expect(posthog.errors, 'wire-format errors').toEqual([])
      // Backoff is capped at retryMaxMs: the first batch goes out within it of the recovery (plus a flush).
      expect(firstArrival! - outageEnd).toBeLessThan(FAULT_ANALYTICS.retryMaxMs + 1_000)
      expect(lastArrival! - outageEnd).toBeLessThan(10_000)
    },
  )
})
