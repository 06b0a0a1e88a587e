/**
 * Benchmark only, a child process of bench/spool-cost.mjs (Deno runs it as it is; Node runs an esbuild bundle
 * of it): the proxy's analytics pipeline without the proxy. Events go to the real PostHogDelivery (posthog-node,
 * batch JSON, gzip) over the durable spool (`SPOOL=file`) or the memory one (`SPOOL=memory`), as the relay
 * hands them: each then waiting for `written()`. PostHog is a fetch that accepts every batch at once, so
 * nothing leaves the process. Two ways (`MODE`), each after `WARMUP_SECONDS` of the same:
 *
 * - `rate`: `RATE` events a second for `SECONDS`, in 10 ms ticks: the CPU an event takes in a process that is
 *   mostly idle, which pays for waking its threads again and again.
 * - `saturated`: a proxy bound by its CPU. `CONNECTIONS` loops each take `WORK_US` of CPU (what the proxy with
 *   analytics off takes per request, measured by the caller), hand one event over, wait for its `written()`
 *   as the response does, and start again on the next turn of the event loop, for `SECONDS`. The events a
 *   second with each spool give the throughput the durable one costs such a proxy.
 *
 * Prints one JSON line: the events, the events a second of the measured part, and the CPU time they took
 * (user + system, every thread), from the end of the warm-up until delivery shut down with the spool empty.
 */
import { setImmediate } from 'node:timers'
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
const mode = env('MODE')
if (mode !== 'rate' && mode !== 'saturated') throw new Error(`spool-driver: MODE must be rate or saturated, not ${mode}`)
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

/** Hands `RATE` events a second to delivery for `runSeconds`, a tick's together, as the relay does; resolves how many. */
async function atRate(runSeconds: number): Promise<number> {
  const perTick = Math.max(1, Math.round((Number(env('RATE')) * TICK_MS) / 1000))
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

/** Busy for `us` of CPU: the work of a request apart from its event. */
function work(us: number): void {
  const until = performance.now() + us / 1000
  while (performance.now() < until) {
    // spin
  }
}

/** `CONNECTIONS` requests at a time, each `WORK_US` of work and one event, for `runSeconds`; resolves how many. */
async function saturated(runSeconds: number): Promise<number> {
  const connections = Number(env('CONNECTIONS'))
  const workUs = Number(env('WORK_US'))
  const until = performance.now() + runSeconds * 1000
  let events = 0
  const connection = async () => {
    while (performance.now() < until) {
      // The next request arrives on a later turn of the event loop, as a socket's data would.
      await new Promise((resolve) => setImmediate(resolve))
      work(workUs)
      await delivery.send(target, buildGenerationEvent(benchRecord()))
      events++
    }
  }
  await Promise.all(Array.from({ length: connections }, connection))
  return events
}

const run = mode === 'rate' ? atRate : saturated
// A proxy runs for long: the one-time cost of compiling the pipeline's code (more of it with the durable
// spool) is left out, as the HTTP benchmark's warm-up leaves it out.
await run(warmupSeconds)
const cpuBefore = process.cpuUsage()
const startedAt = performance.now()
const events = await run(seconds)
const measuredMs = performance.now() - startedAt
await delivery.shutdown(30_000)
const cpu = process.cpuUsage(cpuBefore)
const left = spool.stats().depth
console.log(
  JSON.stringify({ spool: kind, mode, events, eventsPerSecond: (events * 1000) / measuredMs, left, cpuUs: cpu.user + cpu.system, userUs: cpu.user, systemUs: cpu.system, wallMs: measuredMs }),
)
