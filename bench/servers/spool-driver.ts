/**
 * Benchmark only, a child process of bench/spool-cost.mjs (Deno runs it as it is; Node runs an esbuild bundle
 * of it): the proxy's analytics pipeline without the proxy. It hands `RATE` events a second, for `SECONDS`,
 * to the real PostHogDelivery (posthog-node, batch JSON, gzip) over the durable spool (`SPOOL=file`) or the
 * memory one (`SPOOL=memory`), as the relay does: each tick's events together, then waiting for `written()`.
 * PostHog is a fetch that accepts every batch at once, so nothing leaves the process. After `WARMUP_SECONDS`
 * at the same rate, prints one JSON line: the events and the CPU time they took (user + system, every
 * thread), from the first measured event until delivery shut down with the spool empty. The difference
 * between the two spools is what the durable one costs per event, without the noise of an HTTP load test.
 */
import { uuidv7 } from 'uuidv7'
import { buildGenerationEvent } from '../../shared/event/build.ts'
import type { GenerationRecord } from '../../shared/event/types.ts'
import { PostHogDelivery } from '../../server/analytics/delivery.ts'
import { openFileSpool } from '../../server/analytics/spool/file-spool.ts'
import type { Spool } from '../../server/analytics/spool/types.ts'
import { MemorySpool } from '../../test/fakes/memory-spool.ts'

const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`spool-driver: ${name} is not set`)
  return value
}
const kind = env('SPOOL')
const rate = Number(env('RATE'))
const seconds = Number(env('SECONDS'))
const warmupSeconds = Number(env('WARMUP_SECONDS'))
const TICK_MS = 10

/** What the benchmark's non-stream request makes the proxy record (bench/lib/requests.mjs, fake-upstream.mjs). */
function benchRecord(): GenerationRecord {
  const startedAt = new Date()
  return {
    eventName: '$ai_generation',
    uuid: uuidv7(),
    startedAt,
    distinctId: 'bench-user',
    provider: 'openai',
    requestedModel: 'gpt-4o-mini',
    baseUrl: 'http://127.0.0.1:9/v1',
    requestUrl: 'http://127.0.0.1:9/v1/chat/completions',
    input: [{ role: 'user', content: 'Say hello' }],
    tools: null,
    modelParameters: { user: 'bench-user' },
    stream: false,
    completion: {
      id: 'chatcmpl-bench',
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Hello from the bench upstream!' }] }],
      stopReason: 'stop',
      usage: { inputTokens: 9, outputTokens: 7, cacheReportingExclusive: false },
    },
    cost: { source: 'database', inputUsd: 0.00000135, outputUsd: 0.0000042, totalUsd: 0.00000555 },
    httpStatus: 200,
    error: null,
    latencySeconds: 0.0021,
    timeToFirstTokenSeconds: null,
    traceId: uuidv7(),
    sessionId: null,
    spanName: null,
    customProperties: {},
    paywallId: 'pw_bench',
    projectId: null,
    requestId: uuidv7(),
    privacyMode: false,
    libVersion: '0.0.0-bench',
  }
}

const spool: Spool = kind === 'file' ? await openFileSpool(env('DIR'), { maxBytes: 512 * 1024 * 1024 }) : new MemorySpool()
const ignore = () => {}
const delivery = new PostHogDelivery({
  spool,
  log: ignore,
  metrics: { spooled: ignore, delivered: ignore, retried: ignore, deadLettered: ignore, dropped: ignore, posthogError: ignore },
  // As bench/lib/targets.mjs configures the proxies.
  flushAt: 100,
  flushIntervalMs: 1000,
  fetch: async () => new Response('{"status":1}', { status: 200, headers: { 'content-type': 'application/json' } }),
})
const target = { host: 'http://127.0.0.1:9', apiKey: 'phc_bench_driver' }

const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000))

/** Hands `perTick` events to delivery every tick for `runSeconds`, as the relay does; resolves how many. */
async function feed(runSeconds: number): Promise<number> {
  const ticks = Math.round((runSeconds * 1000) / TICK_MS)
  const startedAt = performance.now()
  for (let tick = 0; tick < ticks; tick++) {
    const wait = startedAt + tick * TICK_MS - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const written: Promise<void>[] = []
    for (let i = 0; i < perTick; i++) written.push(delivery.send(target, buildGenerationEvent(benchRecord())))
    await Promise.all(written)
  }
  return ticks * perTick
}

// A proxy runs for long: the one-time cost of compiling the pipeline's code (more of it with the durable
// spool) is left out, as the HTTP benchmark's warm-up leaves it out.
await feed(warmupSeconds)
const cpuBefore = process.cpuUsage()
const startedAt = performance.now()
const events = await feed(seconds)
await delivery.shutdown(30_000)
const cpu = process.cpuUsage(cpuBefore)
const left = spool.stats().depth
console.log(JSON.stringify({ spool: kind, events, left, cpuUs: cpu.user + cpu.system, userUs: cpu.user, systemUs: cpu.system, wallMs: performance.now() - startedAt }))
