/**
 * `npm run bench`: throughput, latency, CPU, memory and per-chunk stream delay of the proxy on Node and on
 * Deno, against a direct call, a bare Node forwarder and the Portkey gateway, all on 127.0.0.1.
 * Writes bench/results/latest.md and latest.json and prints the tables. See bench/README.md.
 *
 * Environment: BENCH_QUICK=1 (a 1-2 minute smoke run), BENCH_ROUNDS, BENCH_SECONDS (per load run),
 * BENCH_TARGETS (comma-separated among node,node-mem,node-off,node2,deno,deno-mem,deno-off,deno2,portkey; direct and bare always
 * run; without it: node,deno,portkey), BENCH_OUTPUT (the results' file name, default latest),
 * BENCH_LOADGEN=autocannon (use the fallback even when wrk is installed).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { sendExactly, tracePrefix } from './lib/accounting.mjs'
import { measureChunkDelays } from './lib/chunk-delay.mjs'
import { loadGenerator, runLoad } from './lib/load.mjs'
import { envInt } from './lib/env.mjs'
import { describeMachine } from './lib/machine.mjs'
import { cpuMicros, machineBusyMicros, ownCpuMicros, peakRssMb, resetPeakRss } from './lib/processes.mjs'
import { writeReport } from './lib/report.mjs'
import { BODIES, CHAT_PATH } from './lib/requests.mjs'
import { DEFAULT_TARGET_IDS, startAll, TARGET_IDS } from './lib/targets.mjs'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const quick = process.env.BENCH_QUICK === '1'
const settings = {
  run: quick ? 'quick' : 'full',
  rounds: envInt('BENCH_ROUNDS', quick ? 1 : 3, 1, 9),
  seconds: envInt('BENCH_SECONDS', quick ? 2 : 5, 1, 60),
  warmupSeconds: quick ? 1 : 3,
  chunkStreamsPerRound: quick ? 5 : 20,
  accountingRequests: quick ? 200 : 1000,
  accountingConcurrency: 10,
  targets: process.env.BENCH_TARGETS ? ['direct', 'bare', ...process.env.BENCH_TARGETS.split(',').map((s) => s.trim())] : DEFAULT_TARGET_IDS,
  output: process.env.BENCH_OUTPUT || 'latest',
}
const unknown = settings.targets.filter((id) => !TARGET_IDS.includes(id))
if (unknown.length > 0) throw new Error(`BENCH_TARGETS: unknown target(s) ${unknown.join(', ')}; known: ${TARGET_IDS.slice(2).join(', ')}`)
if (!/^[\w.-]+$/.test(settings.output)) throw new Error('BENCH_OUTPUT must be a plain file name (letters, digits, _ . -)')

const SCENARIOS = [
  { id: 'json-c50', label: 'non-stream, 50 connections', body: 'json', connections: 50 },
  { id: 'stream-c50', label: 'stream (20 chunks), 50 connections', body: 'stream', connections: 50 },
  { id: 'json-c1', label: 'non-stream, 1 connection', body: 'json', connections: 1 },
  { id: 'stream-c1', label: 'stream (20 chunks), 1 connection', body: 'stream', connections: 1 },
]

const say = (line) => console.error(line)
const tempDir = mkdtempSync(join(tmpdir(), 'openstack-bench-'))
process.once('exit', () => rmSync(tempDir, { recursive: true, force: true }))

const generator = loadGenerator(repoRoot)
const machine = describeMachine(repoRoot, generator)
say(`bench: ${settings.run} run, ${settings.rounds} round(s) of ${settings.seconds} s per load run, ${generator.version}`)
say(`bench: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Deno ${machine.deno}`)

const stack = await startAll({ repoRoot, tempDir, wanted: settings.targets })
const { targets } = stack
/** CPU used by this benchmark: the orchestrator, the load generator runs, the fakes and the targets (every process). */
const serverPids = [...new Set([stack.upstream.pid, stack.posthog.pid, ...targets.flatMap((t) => t.pids)])]
const benchCpuMicros = () => ownCpuMicros() + cpuMicros(serverPids)
for (const target of targets.filter((t) => t.pids.length > 1)) say(`bench: ${target.id} runs as processes ${target.pids.join(', ')} (CPU and RSS are summed)`)
const getJson = async (url) => (await fetch(url)).json()
const upstreamCount = async (target) => (await getJson(`${stack.upstream.url}/stats`)).requests[target.upstreamKey] ?? 0
const load = (target, scenario, seconds) =>
  runLoad(generator, { url: target.url + CHAT_PATH, headers: target.headers, body: BODIES[scenario.body], connections: scenario.connections, seconds, tempDir })

/** Polls `check` every 250 ms until it returns true or `timeoutMs` passed; resolves whether it did. */
async function waitFor(check, timeoutMs) {
  for (let waited = 0; waited <= timeoutMs; waited += 250) {
    if (await check()) return true
    await sleep(250)
  }
  return false
}

async function measureRun(target, scenario, round) {
  const upstreamBefore = await upstreamCount(target)
  const rssReset = resetPeakRss(target.pids)
  const cpuBefore = cpuMicros(target.pids)
  const result = await load(target, scenario, settings.seconds)
  await sleep(300) // requests still in flight when the load generator stopped reach the upstream
  const cpu = cpuMicros(target.pids) - cpuBefore
  return {
    round,
    scenario: scenario.id,
    target: target.id,
    ...result,
    cpuUsPerRequest: result.requests > 0 ? cpu / result.requests : null,
    peakRssMb: peakRssMb(target.pids),
    peakRssSinceStart: !rssReset,
    upstreamRequests: (await upstreamCount(target)) - upstreamBefore,
  }
}

async function main() {
  const start = { at: performance.now(), machine: machineBusyMicros(), bench: benchCpuMicros() }
  say(`bench: warm-up, ${settings.warmupSeconds} s per target, serving process and body at 50 connections`)
  for (const target of targets) {
    // Each process of a ×2 target gets about the same warm-up traffic (JIT) as a single-process target.
    for (const scenario of SCENARIOS.filter((s) => s.connections === 50)) await load(target, scenario, settings.warmupSeconds * (target.serving ?? 1))
  }
  const warmupPeakRssMb = Object.fromEntries(targets.map((t) => [t.id, peakRssMb(t.pids)]))

  const runs = []
  for (let round = 1; round <= settings.rounds; round++) {
    for (const scenario of SCENARIOS) {
      // Rotate the order each round so that no target always runs right after the same neighbour.
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length])
      for (const target of order) {
        const run = await measureRun(target, scenario, round)
        runs.push(run)
        say(`round ${round}/${settings.rounds} ${scenario.id.padEnd(10)} ${target.id.padEnd(7)} ${Math.round(run.rps).toString().padStart(6)} req/s  p50 ${run.p50Ms.toFixed(2)} ms  p99 ${run.p99Ms.toFixed(2)} ms`)
      }
    }
  }

  say(`bench: per-chunk delay, ${settings.chunkStreamsPerRound} paced streams per target and round`)
  const chunkDelays = Object.fromEntries(targets.map((t) => [t.id, []]))
  for (let round = 1; round <= settings.rounds; round++) {
    for (const target of targets) chunkDelays[target.id].push(...(await measureChunkDelays(target, settings.chunkStreamsPerRound)))
  }

  say(`bench: accounting, ${settings.accountingRequests} requests per target with their own trace ids`)
  const accounting = []
  for (const target of targets.filter((t) => t.id !== 'direct')) {
    const before = await upstreamCount(target)
    const { sent, ok } = await sendExactly(target, settings.accountingRequests, settings.accountingConcurrency)
    await sleep(300)
    const check = { target: target.id, sent, ok, upstreamRequests: (await upstreamCount(target)) - before }
    if (target.eventsKey) {
      const traces = async () => (await getJson(`${stack.posthog.url}/stats?traces=${tracePrefix(target)}`)).traces
      await waitFor(async () => (await traces()).distinct >= sent, 15_000)
      Object.assign(check, await traces())
    }
    accounting.push(check)
  }

  say('bench: waiting for the proxies to flush their events')
  const proxies = targets.filter((t) => t.eventsKey)
  const totals = async () => {
    const { events } = await getJson(`${stack.posthog.url}/stats`)
    return Promise.all(proxies.map(async (t) => ({ target: t.id, upstreamRequests: await upstreamCount(t), events: events[t.eventsKey] ?? 0 })))
  }
  await waitFor(async () => (await totals()).every((t) => t.events >= t.upstreamRequests), 15_000)
  const events = await totals()

  // Anything else running on the machine competes with the benchmark; this says how much it did.
  const otherCpu = machineBusyMicros() - start.machine - (benchCpuMicros() - start.bench)
  const otherCpuCores = otherCpu / ((performance.now() - start.at) * 1000)
  return { runs, warmupPeakRssMb, chunkDelays, accounting, events, otherCpuCores }
}

try {
  const measured = await main()
  await stack.stopAll()
  const { markdown } = writeReport(join(repoRoot, 'bench', 'results'), settings.output, { machine, settings, scenarios: SCENARIOS, targets: targets.map(({ id, label }) => ({ id, label })), ...measured })
  console.log(markdown)
} catch (error) {
  await stack.stopAll()
  throw error
}
