/**
 * SPEC §6: "A 4xx from PostHog for a bad key or event goes to a dead-letter file with the reason, visible
 * in /metrics". PostHog answers 400 (bad event) or 401 (bad key) to every batch: each event lands once in
 * `<spoolDir>/dead-letter.jsonl` with the reason, the spool drains (nothing is retried forever),
 * `openstack_events_dead_lettered_total{reason}` counts them, and the file holds no secret but the PostHog
 * project key its entries need to be sent again. Once PostHog accepts again, new events are delivered.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'vitest'
import { startFakeOpenAI } from '../fakes/openai-upstream.ts'
import { startFakePostHog } from '../fakes/posthog-capture.ts'
import { KEYS, SECRETS } from '../harness/config.ts'
import { runtimes, startProxy } from '../harness/proxy-process.ts'
import { chat, faultConfig, metricValue, recordResult, scrape, waitForMetric, waitForRequestEvents } from './helpers.ts'

const EVENTS = 5
const CASES = [
  { status: 400, reason: 'bad-request', why: 'PostHog refused the event (HTTP 400)' },
  { status: 401, reason: 'unauthorized', why: 'PostHog refused the project key (HTTP 401)' },
] as const

describe('PostHog refuses events for good (4xx)', () => {
  describe.each(runtimes)('%s', (runtime) => {
    test.for(CASES)('HTTP $status: the events go to dead-letter.jsonl, /metrics counts them as $reason, the spool drains', { timeout: 60_000 }, async (c, { expect, onTestFinished }) => {
      const upstream = await startFakeOpenAI()
      const posthog = await startFakePostHog()
      const proxy = await startProxy({ runtime, config: faultConfig(upstream.url, posthog.url) })
      onTestFinished(async () => {
        await proxy.stop('SIGKILL')
        await Promise.all([upstream.close(), posthog.close()])
      })

      posthog.failFor(c.status, 60_000)
      const results = await Promise.all(
        Array.from({ length: EVENTS }, (_, i) => chat(proxy.url, { user: `dead-${c.status}-${runtime}-${i}`, stream: i % 2 === 1 })),
      )
      expect(results.every((r) => r.complete), 'requests answered while PostHog refuses').toBe(true)
      const ids = results.map((r) => r.requestId!)

      const started = Date.now()
      await waitForMetric(proxy.url, 'openstack_events_dead_lettered_total', { reason: c.reason }, (v) => v >= EVENTS, 15_000)
      const deadLetteredMs = Date.now() - started
      const depth = await waitForMetric(proxy.url, 'openstack_spool_depth', {}, (v) => v === 0, 5_000)
      const metrics = await scrape(proxy.url)

      const file = join(proxy.tempDir, 'spool', 'dead-letter.jsonl')
      const text = await readFile(file, 'utf8')
      const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l))
      const mode = (await stat(file)).mode & 0o777
      const batchRequests = posthog.requests.length

      // PostHog is fine again: the target is not stuck, new events go out.
      posthog.failFor(0, 0)
      const after = await chat(proxy.url, { user: `dead-${c.status}-${runtime}-after` })
      await waitForRequestEvents(posthog, [after.requestId!], 10_000)
      const idSet = new Set(ids)
      const deliveredAnyway = posthog.events.filter((e) => idSet.has(e.properties.openstack_request_id)).length

      await recordResult(`posthog-${c.status}-dead-letter`, runtime, {
        sent: EVENTS,
        deadLettered: lines.length,
        deadLetteredMetric: metricValue(metrics, 'openstack_events_dead_lettered_total', { reason: c.reason }),
        deliveredAnyway,
        lost: EVENTS - new Set(lines.map((l) => l.entry?.properties?.openstack_request_id)).size,
        duplicated: lines.length - new Set(lines.map((l) => l.entry?.uuid)).size,
        batchRequests,
        deadLetteredMs,
        spoolDepthAfter: depth,
        fileMode: mode.toString(8),
        lineKeys: Object.keys(lines[0] ?? {}),
        entryKeys: Object.keys(lines[0]?.entry ?? {}),
        reason: lines[0]?.reason,
      })

      // Each event once, with the reason, all of it kept to be sent again by hand.
      expect(lines.map((l) => l.entry.properties.openstack_request_id).sort()).toEqual([...ids].sort())
      expect(new Set(lines.map((l) => l.entry.uuid)).size).toBe(EVENTS)
      for (const line of lines) {
        expect(Object.keys(line).sort()).toEqual(['at', 'entry', 'reason'])
        expect(Number.isNaN(Date.parse(line.at))).toBe(false)
        expect(line.reason).toContain(c.why)
        expect(line.entry).toMatchObject({ host: posthog.url, apiKey: SECRETS.posthog, event: '$ai_generation' })
        expect(line.entry.distinctId).toMatch(new RegExp(`^dead-${c.status}-${runtime}-\\d$`))
      }
      // The PostHog project key is the only secret there (entries need it); the file is the owner's alone.
      for (const secret of [SECRETS.openai, SECRETS.openrouter, SECRETS.anthropic, SECRETS.gemini, KEYS.main]) {
        expect(text.includes(secret), `dead-letter.jsonl holds ${secret}`).toBe(false)
      }
      expect(mode).toBe(0o600)
      // /metrics: counted under this reason only, nothing waits, nothing was delivered or dropped.
      expect(metricValue(metrics, 'openstack_events_dead_lettered_total', { reason: c.reason })).toBe(EVENTS)
      for (const other of ['bad-request', 'unauthorized', 'too-large', 'refused'].filter((r) => r !== c.reason)) {
        expect(metricValue(metrics, 'openstack_events_dead_lettered_total', { reason: other }), other).toBe(0)
      }
      expect(depth).toBe(0)
      expect(metricValue(metrics, 'openstack_events_delivered_total')).toBe(0)
      expect(deliveredAnyway, 'dead-lettered events PostHog got after all').toBe(0)
      expect(posthog.errors).toEqual([])
      // A refusal is not retried: each event goes out once for 401; for 400, in its batch and then alone (to
      // find the bad one in a batch), so at most twice.
      expect(batchRequests).toBeLessThanOrEqual(c.status === 401 ? EVENTS : 2 * EVENTS)
    })
  })
})
