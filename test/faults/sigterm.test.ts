/**
 * SPEC §6: "SIGTERM stops accepting, finishes in-flight requests and flushes". Several slow streams are in
 * flight when the proxy gets SIGTERM: each client gets its whole stream, every event reaches PostHog before
 * the process exits, and it exits 0. Batching is set so that nothing is sent on its own (flushAt above the
 * number of events, a long interval): only the shutdown flush can deliver.
 *
 * And when PostHog is down at that moment: the proxy still exits 0 within the shutdown timeout, the events
 * stay in the spool, and the next start on the same spool delivers them.
 */
import { rm } from 'node:fs/promises'
import { describe, test } from 'vitest'
import { FAKE_TEXT, startFakeOpenAI } from '../fakes/openai-upstream.ts'
import { startFakePostHog } from '../fakes/posthog-capture.ts'
import { makeTempDir, runtimes, startProxy, type RunningProxy } from '../harness/proxy-process.ts'
import { chat, FAULT_ANALYTICS, faultConfig, recordResult, tally, waitForMetric, waitForRequestEvents, withTimeout } from './helpers.ts'

const STREAMS = 3
/** Only the shutdown flush sends: more events than STREAMS would be needed, or a minute. */
const SHUTDOWN_ONLY = { ...FAULT_ANALYTICS, flushAt: 100, flushIntervalMs: 60_000 }

/** Starts STREAMS slow streams (`scenario:slow-chunks`, ~0.5 s each) and resolves once each got its first chunk. */
function slowStreams(url: string, label: string) {
  let firstChunks = 0
  let allStarted!: () => void
  const started = new Promise<void>((r) => (allStarted = r))
  const results = Promise.all(
    Array.from({ length: STREAMS }, (_, i) =>
      chat(url, {
        user: `${label}-${i}`,
        stream: true,
        content: 'scenario:slow-chunks',
        onFirstChunk: () => {
          if (++firstChunks === STREAMS) allStarted()
        },
      }),
    ),
  )
  return { started, results }
}

describe('SIGTERM mid-stream', () => {
  test.for(runtimes)('%s: the streams complete, their events are delivered before the exit, exit 0', { timeout: 60_000 }, async (runtime, { expect, onTestFinished }) => {
    const upstream = await startFakeOpenAI()
    const posthog = await startFakePostHog()
    const proxy = await startProxy({ runtime, config: faultConfig(upstream.url, posthog.url, SHUTDOWN_ONLY) })
    onTestFinished(async () => {
      await proxy.stop('SIGKILL')
      await Promise.all([upstream.close(), posthog.close()])
    })

    const streams = slowStreams(proxy.url, `sigterm-${runtime}`)
    await withTimeout(streams.started, 10_000, 'first chunk of every stream')
    const eventsAtSignal = posthog.events.length
    const signalledAt = Date.now()
    process.kill(proxy.pid, 'SIGTERM')
    const results = await streams.results
    const exit = await withTimeout(proxy.exited, 20_000, 'exit after SIGTERM')
    const exitedAt = Date.now()
    // Read at the exit, without waiting: the flush must have happened before it.
    const ids = results.flatMap((r) => (r.requestId ? [r.requestId] : []))
    const counts = tally(ids, posthog.events)

    await recordResult('sigterm-mid-stream', runtime, {
      streams: STREAMS,
      completeStreams: results.filter((r) => r.complete && r.text === FAKE_TEXT).length,
      sent: counts.sent,
      received: counts.received,
      lost: counts.lost,
      duplicated: counts.duplicated,
      exitCode: exit.code,
      shutdownMs: exitedAt - signalledAt,
    })

    expect(eventsAtSignal, 'events PostHog had when SIGTERM was sent').toBe(0)
    expect(results.map((r) => [r.complete, r.text, r.error])).toEqual(results.map(() => [true, FAKE_TEXT, null]))
    expect(exit).toEqual({ code: 0, signal: null })
    expect(counts.sent).toBe(STREAMS)
    expect(counts.lostIds, 'streams whose event had not reached PostHog when the proxy exited').toEqual([])
    expect(counts.duplicated).toBe(0)
    expect(posthog.errors).toEqual([])
    expect(proxy.logJson().find((j) => j.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' })
  })

  test.for(runtimes)(
    '%s: with PostHog down, it still exits 0, and the next start on the same spool delivers the events',
    { timeout: 60_000 },
    async (runtime, { expect, onTestFinished }) => {
      const upstream = await startFakeOpenAI()
      const posthog = await startFakePostHog()
      const tempDir = await makeTempDir()
      const config = faultConfig(upstream.url, posthog.url, SHUTDOWN_ONLY)
      const proxies: RunningProxy[] = []
      onTestFinished(async () => {
        await Promise.allSettled(proxies.map((p) => p.stop('SIGKILL')))
        await Promise.all([upstream.close(), posthog.close()])
        await rm(tempDir, { recursive: true, force: true })
      })
      const first = await startProxy({ runtime, config, tempDir })
      proxies.push(first)

      posthog.failFor(503, 120_000)
      const streams = slowStreams(first.url, `sigterm-down-${runtime}`)
      await withTimeout(streams.started, 10_000, 'first chunk of every stream')
      const signalledAt = Date.now()
      process.kill(first.pid, 'SIGTERM')
      const results = await streams.results
      const exit = await withTimeout(first.exited, 20_000, 'exit after SIGTERM')
      const shutdownMs = Date.now() - signalledAt
      const refused = posthog.requests.filter((r) => r.injected).length
      expect(results.map((r) => [r.complete, r.text])).toEqual(results.map(() => [true, FAKE_TEXT]))
      expect(exit).toEqual({ code: 0, signal: null })
      expect(posthog.events).toEqual([])

      posthog.failFor(503, 0)
      const restartedAt = Date.now()
      // Ordinary batching this time: the events left over go out on their own.
      const second = await startProxy({ runtime, config: faultConfig(upstream.url, posthog.url), tempDir })
      proxies.push(second)
      const ids = results.map((r) => r.requestId!)
      await waitForRequestEvents(posthog, ids, 15_000)
      const recoveryMs = Date.now() - restartedAt
      const counts = tally(ids, posthog.events)
      const depth = await waitForMetric(second.url, 'openstack_spool_depth', {}, (v) => v === 0, 5_000).catch(() => Number.NaN)

      await recordResult('sigterm-posthog-down-then-restart', runtime, {
        streams: STREAMS,
        sent: counts.sent,
        received: counts.received,
        lost: counts.lost,
        duplicated: counts.duplicated,
        refusedAtShutdown: refused,
        exitCode: exit.code,
        shutdownMs,
        recoveryMs,
      })
      expect(refused, 'the shutdown flush tried PostHog').toBeGreaterThan(0)
      expect(shutdownMs, 'shutdown gave up on PostHog instead of waiting for the timeout').toBeLessThan(10_000)
      expect(counts.lostIds).toEqual([])
      expect(counts.duplicated).toBe(0)
      expect(depth).toBe(0)
    },
  )
})
