/**
 * `npm run bench:spool`: what the durable spool costs (issue #5 asks for under 5%), measured two ways.
 *
 * 1. The pipeline without HTTP: bench/servers/spool-driver.ts runs delivery over the durable spool and over
 *    one in memory, in alternating pairs, two ways. Saturated: a proxy bound by its CPU, whose requests each
 *    take the CPU the proxy with analytics off took per request in the same round; the events a second with
 *    each spool give the throughput the durable one costs. At a fixed rate: the CPU per event of a mostly idle
 *    process, which pays for waking its threads again and again.
 * 2. Paired HTTP load: the same proxy runs three ways per runtime: the durable spool (`node`, `deno`), the
 *    spool swapped for one in memory (`-mem`: every event still built, sent and delivered) and analytics off
 *    (`-off`). On a shared 2-core VM, throughput drifts by more than 5% between minutes and between fresh
 *    processes, so every round starts fresh processes, and each cycle runs the three one after the other for
 *    a few seconds (in a rotating order); each cycle gives paired ratios whose medians, over every cycle of
 *    every round, are reported with a 95% interval. Per-round medians show the spread between processes.
 *
 * Writes bench/results/spool-cost.md and spool-cost.json. Environment: BENCH_ROUNDS (fresh processes, default
 * 5), BENCH_CYCLES (per scenario and round, default 4), BENCH_SECONDS (per load run, default 2), BENCH_RUNTIMES
 * (default node,deno), BENCH_QUICK=1 (1 round, 2 cycles, one short driver pair).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadGenerator, runLoad } from './lib/load.mjs'
import { envInt } from './lib/env.mjs'
import { describeMachine } from './lib/machine.mjs'
import { cpuMicros, machineBusyMicros, ownCpuMicros, runBounded } from './lib/processes.mjs'
import { BODIES, CHAT_PATH } from './lib/requests.mjs'
import { median, medianInterval } from './lib/stats.mjs'
import { bundleForNode, startAll } from './lib/targets.mjs'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const quick = process.env.BENCH_QUICK === '1'
const settings = {
  rounds: envInt('BENCH_ROUNDS', quick ? 1 : 5, 1, 20),
  cycles: envInt('BENCH_CYCLES', quick ? 2 : 4, 1, 30),
  seconds: envInt('BENCH_SECONDS', 2, 1, 30),
  warmupSeconds: quick ? 1 : 3,
  runtimes: (process.env.BENCH_RUNTIMES ?? 'node,deno').split(',').map((s) => s.trim()),
  /**
   * The pipeline without HTTP (bench/servers/spool-driver.ts), pairs per round of each mode: saturated (connections,
   * seconds per run) and at a fixed rate (events a second, seconds per run).
   */
  driver: {
    warmupSeconds: quick ? 1 : 3,
    saturated: { pairs: quick ? 1 : 4, connections: 50, seconds: quick ? 2 : 6 },
    rate: { pairs: quick ? 1 : 2, rate: 2000, seconds: quick ? 2 : 10 },
  },
}
for (const runtime of settings.runtimes) if (!['node', 'deno'].includes(runtime)) throw new Error(`BENCH_RUNTIMES: unknown runtime ${runtime}`)

const SCENARIOS = [
  { id: 'json-c50', label: 'non-stream, 50 connections', body: 'json' },
  { id: 'stream-c50', label: 'stream (20 chunks), 50 connections', body: 'stream' },
]
/** The three ways a runtime runs, by their role in the ratios. */
const VARIANTS = (runtime) => ({ disk: runtime, memory: `${runtime}-mem`, off: `${runtime}-off` })

const say = (line) => console.error(line)
const tempRoot = mkdtempSync(join(tmpdir(), 'openstack-spool-cost-'))
process.once('exit', () => rmSync(tempRoot, { recursive: true, force: true }))
const generator = loadGenerator(repoRoot)
if (generator.name !== 'wrk') say('bench: without wrk, autocannon shares the CPU with the proxies and widens the spread')
const machine = describeMachine(repoRoot, generator)

/** One round of one runtime: fresh processes, a warm-up, then `cycles` cycles per scenario. */
async function measureRound(runtime, round) {
  const ids = VARIANTS(runtime)
  const tempDir = mkdtempSync(join(tempRoot, `${runtime}-${round}-`))
  const stack = await startAll({ repoRoot, tempDir, wanted: Object.values(ids) })
  try {
    const target = (id) => stack.targets.find((t) => t.id === id)
    const load = (id, scenario, seconds) =>
      runLoad(generator, { url: target(id).url + CHAT_PATH, headers: target(id).headers, body: BODIES[scenario.body], connections: 50, seconds, tempDir })
    for (const scenario of SCENARIOS) for (const id of Object.values(ids)) await load(id, scenario, settings.warmupSeconds)

    const cycles = []
    for (const scenario of SCENARIOS) {
      for (let cycle = 0; cycle < settings.cycles; cycle++) {
        const roles = Object.keys(ids)
        const order = roles.map((_, i) => roles[(i + cycle) % roles.length])
        const measured = { runtime, round, scenario: scenario.id, cycle: cycle + 1 }
        for (const role of order) {
          const cpuBefore = cpuMicros(target(ids[role]).pids)
          const result = await load(ids[role], scenario, settings.seconds)
          if (result.errors > 0) throw new Error(`${ids[role]}: ${result.errors} failed requests in a load run`)
          measured[role] = { rps: result.rps, cpuUsPerRequest: (cpuMicros(target(ids[role]).pids) - cpuBefore) / result.requests }
        }
        cycles.push(measured)
        say(
          `${runtime} round ${round} ${scenario.id} cycle ${cycle + 1}: ` +
            Object.keys(ids).map((role) => `${role} ${Math.round(measured[role].rps)}`).join(', ') +
            ` req/s; disk/memory ${(measured.disk.rps / measured.memory.rps).toFixed(3)}`,
        )
      }
    }
    return { cycles, events: await eventsAccounted(stack, [target(ids.disk), target(ids.memory)]) }
  } finally {
    await stack.stopAll()
  }
}

const DRIVER = join(repoRoot, 'bench', 'servers', 'spool-driver.ts')
const driverBundle = settings.runtimes.includes('node') ? await bundleForNode(DRIVER, join(repoRoot, 'dist', 'spool-driver.js')) : null

/** Runs the driver once; resolves what it printed (`{ spool, events, eventsPerSecond, left, cpuUs, ... }`). Killed after 60 s. */
async function runDriver(runtime, spool, dir, modeEnv) {
  const env = { SPOOL: spool, WARMUP_SECONDS: String(settings.driver.warmupSeconds), DIR: dir, DENO_NO_UPDATE_CHECK: '1', ...modeEnv }
  const [command, args] =
    runtime === 'node'
      ? [process.execPath, [driverBundle]]
      : [join(repoRoot, 'node_modules', '.bin', 'deno'), ['run', '-q', '--allow-read', `--allow-write=${dir}`, '--allow-env', DRIVER]]
  const result = JSON.parse(await runBounded(command, args, 60_000, { env, cwd: repoRoot }))
  if (result.left !== 0) throw new Error(`spool driver (${runtime}, ${spool}): ${result.left} events were still spooled after shutdown`)
  return result
}

/**
 * Pairs of driver runs, durable and memory spool, the order alternating: saturated ones whose requests each take
 * `workUs` (whole µs) of CPU, then ones at a fixed rate. Each pair gives both runs' CPU per event and events a second.
 */
async function measureDriver(runtime, round, workUs) {
  const { saturated, rate } = settings.driver
  const modes = [
    { mode: 'saturated', pairs: saturated.pairs, env: { MODE: 'saturated', CONNECTIONS: String(saturated.connections), WORK_US: String(workUs), SECONDS: String(saturated.seconds) } },
    { mode: 'rate', pairs: rate.pairs, env: { MODE: 'rate', RATE: String(rate.rate), SECONDS: String(rate.seconds) } },
  ]
  const pairs = []
  for (const { mode, pairs: count, env } of modes) {
    for (let pair = 0; pair < count; pair++) {
      const order = pair % 2 === 0 ? ['file', 'memory'] : ['memory', 'file']
      const runs = {}
      for (const spool of order) runs[spool] = await runDriver(runtime, spool, mkdtempSync(join(tempRoot, `driver-${runtime}-${round}-`)), env)
      const perEvent = (r) => r.cpuUs / r.events
      pairs.push({
        runtime,
        round,
        mode,
        pair: pair + 1,
        workUs: mode === 'saturated' ? workUs : null,
        fileUsPerEvent: perEvent(runs.file),
        memoryUsPerEvent: perEvent(runs.memory),
        fileEventsPerSecond: runs.file.eventsPerSecond,
        memoryEventsPerSecond: runs.memory.eventsPerSecond,
      })
      say(
        `${runtime} round ${round} driver ${mode} pair ${pair + 1}: durable ${perEvent(runs.file).toFixed(1)} µs/event, ` +
          `${Math.round(runs.file.eventsPerSecond)}/s; memory ${perEvent(runs.memory).toFixed(1)} µs/event, ${Math.round(runs.memory.eventsPerSecond)}/s`,
      )
    }
  }
  return pairs
}

/**
 * The spool is only measured fairly if it does its whole job: every request a proxy sent upstream must have
 * become exactly one event at the fake PostHog. Waits up to 15 s for the last batches.
 */
async function eventsAccounted(stack, proxies) {
  const getJson = async (url) => (await fetch(url)).json()
  const totals = async () => {
    const { requests } = await getJson(`${stack.upstream.url}/stats`)
    const { events } = await getJson(`${stack.posthog.url}/stats`)
    return proxies.map((t) => ({ target: t.id, upstreamRequests: requests[t.upstreamKey] ?? 0, events: events[t.eventsKey] ?? 0 }))
  }
  for (let waited = 0; waited < 15_000; waited += 250) {
    if ((await totals()).every((t) => t.events >= t.upstreamRequests)) break
    await sleep(250)
  }
  const result = await totals()
  for (const t of result) if (t.events !== t.upstreamRequests) say(`bench: ${t.target} sent ${t.upstreamRequests} requests upstream but PostHog got ${t.events} events`)
  return result
}

/** Median and 95% interval of a per-cycle quantity, and the median of each round's own median. */
function summarizeQuantity(cycles, value) {
  const values = cycles.map(value)
  const rounds = [...new Set(cycles.map((c) => c.round))].map((round) => median(cycles.filter((c) => c.round === round).map(value)))
  return { median: median(values), interval: medianInterval(values), rounds, samples: values.length }
}

function summarize(cycles) {
  const out = []
  for (const runtime of settings.runtimes) {
    for (const scenario of SCENARIOS) {
      const mine = cycles.filter((c) => c.runtime === runtime && c.scenario === scenario.id)
      out.push({
        runtime,
        scenario: scenario.id,
        rps: Object.fromEntries(['disk', 'memory', 'off'].map((role) => [role, median(mine.map((c) => c[role].rps))])),
        cpuUsPerRequest: Object.fromEntries(['disk', 'memory', 'off'].map((role) => [role, median(mine.map((c) => c[role].cpuUsPerRequest))])),
        // What the spool costs: the throughput it loses against the same proxy keeping events in memory, ...
        spoolCost: summarizeQuantity(mine, (c) => 1 - c.disk.rps / c.memory.rps),
        // ... the same loss counted against the proxy with analytics off, ...
        spoolCostOfOff: summarizeQuantity(mine, (c) => (c.memory.rps - c.disk.rps) / c.off.rps),
        // ... and what analytics costs as a whole (event, spool, delivery) against analytics off.
        analyticsCost: summarizeQuantity(mine, (c) => 1 - c.disk.rps / c.off.rps),
        // The same in CPU per request (all the proxy's threads): a time slice stolen from the VM slows a run
        // down, but does not add to the CPU time its requests took, so this spreads less than throughput.
        spoolCpu: summarizeQuantity(mine, (c) => c.disk.cpuUsPerRequest / c.memory.cpuUsPerRequest - 1),
        analyticsCpu: summarizeQuantity(mine, (c) => c.disk.cpuUsPerRequest / c.off.cpuUsPerRequest - 1),
      })
    }
  }
  return out
}

/**
 * Per runtime and driver mode: the pipeline's CPU per event with each spool, the durable spool's extra CPU per
 * event (median and 95% interval over pairs) and that extra as a share of the CPU the proxy with analytics off
 * takes per request; saturated, also the throughput the durable spool loses against the memory one, and the same
 * loss against the throughput of the work alone (a proxy with analytics off).
 */
function summarizeDriver(pairs, summary) {
  return settings.runtimes.flatMap((runtime) =>
    ['saturated', 'rate'].map((mode) => {
      const mine = pairs.filter((p) => p.runtime === runtime && p.mode === mode)
      const extra = summarizeQuantity(mine, (p) => p.fileUsPerEvent - p.memoryUsPerEvent)
      const offCpu = Object.fromEntries(summary.filter((s) => s.runtime === runtime).map((s) => [s.scenario, s.cpuUsPerRequest.off]))
      const share = (cpu) => (extra.median === null || !cpu ? null : extra.median / cpu)
      return {
        runtime,
        mode,
        workUs: mode === 'saturated' ? median(mine.map((p) => p.workUs)) : null,
        fileUsPerEvent: median(mine.map((p) => p.fileUsPerEvent)),
        memoryUsPerEvent: median(mine.map((p) => p.memoryUsPerEvent)),
        fileEventsPerSecond: median(mine.map((p) => p.fileEventsPerSecond)),
        memoryEventsPerSecond: median(mine.map((p) => p.memoryEventsPerSecond)),
        extraUsPerEvent: extra,
        throughputCost: mode === 'saturated' ? summarizeQuantity(mine, (p) => 1 - p.fileEventsPerSecond / p.memoryEventsPerSecond) : null,
        throughputCostOfOff:
          mode === 'saturated' ? summarizeQuantity(mine, (p) => ((p.memoryEventsPerSecond - p.fileEventsPerSecond) * p.workUs) / 1e6) : null,
        offCpuUsPerRequest: offCpu,
        shareOfOff: Object.fromEntries(Object.entries(offCpu).map(([scenario, cpu]) => [scenario, share(cpu)])),
      }
    }),
  )
}

const pct = (v) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`)
const interval = (q) => (q.interval ? `${pct(q.interval[0])} to ${pct(q.interval[1])}` : '–')
const int = (v) => (v === null ? '–' : Math.round(v).toLocaleString('en-US'))
const table = (header, rows) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
const labelOf = (id) => SCENARIOS.find((s) => s.id === id).label

function markdown({ summary, driver, events, otherCpuCores }) {
  const m = machine
  const row = (s) => `${s.runtime}, ${labelOf(s.scenario)}`
  return [
    '# What the durable spool costs: paired A/B runs',
    '',
    `${m.date} · commit ${m.commit} · \`npm run bench:spool\` · ${settings.rounds} round(s) of fresh processes per runtime, ` +
      `${settings.cycles} cycle(s) per scenario and round, ${settings.seconds} s per load run after a ${settings.warmupSeconds} s warm-up, ${m.loadGenerator}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.kernel} · Node ${m.node} · Deno ${m.deno} · load average at start ${m.loadAverageAtStart.toFixed(2)} · ` +
      `other processes used ${otherCpuCores.toFixed(2)} cores on average during the run.`,
    '',
    'Per runtime, the same proxy runs three ways: **disk** (the durable spool, as shipped), **memory** (the spool swapped',
    'for `bench/servers/spool-in-memory.ts`: every event is still built, sent and delivered) and **off** (analytics off: no',
    'event). Each cycle runs the three, one after the other in a rotating order, and gives its own ratios; a round is a fresh',
    'set of processes. Figures are medians over every cycle, with a distribution-free 95% interval for the median, and the',
    'median of each round (fresh processes) to show how much a process set alone moves them.',
    '',
    '## The spool\'s cost to a proxy bound by its CPU, without HTTP',
    '',
    `\`bench/servers/spool-driver.ts\` runs the real delivery (posthog-node, batch JSON, gzip) over the durable spool or the`,
    'memory one, as the relay hands it events, with a PostHog that accepts every batch at once. Without an HTTP load test',
    'the difference is far steadier. Saturated, it stands for a proxy that is bound by its CPU:',
    `${settings.driver.saturated.connections} requests at a time, each taking the CPU that this round's proxy with analytics off took per non-stream`,
    'request (below) and handing over one event, waiting for its `written()` as the response does, and the next request',
    `starting on the next turn of the event loop; ${settings.driver.saturated.seconds} s per run after a ${settings.driver.warmupSeconds} s warm-up. The events a second it reaches with each spool`,
    'give the throughput the durable one costs (1 − durable/memory), and the same loss counted against the rate of the',
    'work alone (a proxy with analytics off). The CPU columns count every thread of the process, until delivery shut',
    'down with the spool empty; the share is the extra CPU per event against the analytics-off CPU per request.',
    '',
    table(
      ['runtime', 'work µs/request', 'durable events/s', 'memory events/s', 'throughput cost', '95% interval', 'per round', 'against analytics off', 'extra CPU µs/event', 'share of analytics-off CPU/request', 'pairs'],
      driver
        .filter((d) => d.mode === 'saturated')
        .map((d) => [
          d.runtime,
          int(d.workUs),
          int(d.fileEventsPerSecond),
          int(d.memoryEventsPerSecond),
          `**${pct(d.throughputCost.median)}**`,
          interval(d.throughputCost),
          d.throughputCost.rounds.map(pct).join(', '),
          `**${pct(d.throughputCostOfOff.median)}**`,
          d.extraUsPerEvent.median?.toFixed(1) ?? '–',
          pct(d.shareOfOff['json-c50'] ?? null),
          d.extraUsPerEvent.samples,
        ]),
    ),
    '',
    `At a fixed rate, ${settings.driver.rate.rate.toLocaleString('en-US')} events a second in 10 ms ticks for ${settings.driver.rate.seconds} s, the process is idle most of the time, and each`,
    'write wakes a thread of the pool and then the event loop. This VM charges 100 µs and more of CPU for such a',
    'wake-up, which a busy process does not pay, so this is the CPU an event costs a proxy under light load:',
    '',
    table(
      ['runtime', 'durable spool µs/event', 'memory µs/event', 'extra µs/event', '95% interval', 'per round', 'share of analytics-off CPU/request, non-stream', 'stream', 'pairs'],
      driver
        .filter((d) => d.mode === 'rate')
        .map((d) => [
          d.runtime,
          d.fileUsPerEvent?.toFixed(1) ?? '–',
          d.memoryUsPerEvent?.toFixed(1) ?? '–',
          `**${d.extraUsPerEvent.median?.toFixed(1) ?? '–'}**`,
          d.extraUsPerEvent.interval ? d.extraUsPerEvent.interval.map((v) => v.toFixed(1)).join(' to ') : '–',
          d.extraUsPerEvent.rounds.map((v) => v.toFixed(1)).join(', '),
          pct(d.shareOfOff['json-c50'] ?? null),
          pct(d.shareOfOff['stream-c50'] ?? null),
          d.extraUsPerEvent.samples,
        ]),
    ),
    '',
    '## The spool\'s cost in throughput (HTTP load, paired cycles)',
    '',
    table(
      ['runtime, scenario', 'spool\'s cost (1 − disk/memory)', '95% interval', 'per round', 'same loss against analytics off ((memory − disk)/off)', 'cycles'],
      summary.map((s) => [row(s), `**${pct(s.spoolCost.median)}**`, interval(s.spoolCost), s.spoolCost.rounds.map(pct).join(', '), pct(s.spoolCostOfOff.median), s.spoolCost.samples]),
    ),
    '',
    '## The spool\'s cost in CPU per request',
    '',
    'CPU time of the proxy process (all threads, from `/proc`) per request: disk/memory − 1. Throughput on this VM also',
    'drops when the host takes the CPU away for a while, which CPU time does not count.',
    '',
    table(
      ['runtime, scenario', 'extra CPU per request', '95% interval', 'per round'],
      summary.map((s) => [row(s), `**${pct(s.spoolCpu.median)}**`, interval(s.spoolCpu), s.spoolCpu.rounds.map(pct).join(', ')]),
    ),
    '',
    '## All analytics against analytics off',
    '',
    'Building, size-capping, spooling and delivering every event: throughput lost (1 − disk/off) and CPU added per request',
    '(disk/off − 1), for comparison.',
    '',
    table(
      ['runtime, scenario', 'throughput lost', '95% interval', 'per round', 'CPU added per request', '95% interval'],
      summary.map((s) => [row(s), pct(s.analyticsCost.median), interval(s.analyticsCost), s.analyticsCost.rounds.map(pct).join(', '), pct(s.analyticsCpu.median), interval(s.analyticsCpu)]),
    ),
    '',
    '## Throughput and CPU (medians over cycles)',
    '',
    table(
      ['runtime, scenario', 'disk req/s', 'memory req/s', 'off req/s', 'CPU µs/req disk', 'memory', 'off'],
      summary.map((s) => [row(s), int(s.rps.disk), int(s.rps.memory), int(s.rps.off), int(s.cpuUsPerRequest.disk), int(s.cpuUsPerRequest.memory), int(s.cpuUsPerRequest.off)]),
    ),
    '',
    '## Every event accounted for',
    '',
    'After each round, every request a proxy sent upstream must be one event at the fake PostHog.',
    '',
    table(
      ['runtime', 'round', 'target', 'events / upstream requests'],
      events.flatMap((e) => e.targets.map((t) => [e.runtime, e.round, t.target, `${int(t.events)} / ${int(t.upstreamRequests)} ${t.events === t.upstreamRequests ? '✓' : '✗'}`])),
    ),
    '',
  ].join('\n')
}

const start = { at: performance.now(), machine: machineBusyMicros() }
say(`bench:spool: ${settings.rounds} round(s) × ${settings.runtimes.join(', ')}, ${settings.cycles} cycle(s) of ${settings.seconds} s per scenario`)
const cycles = []
const events = []
const driverPairs = []
let benchCpu = 0
for (let round = 1; round <= settings.rounds; round++) {
  for (const runtime of settings.runtimes) {
    const cpuBefore = ownCpuMicros()
    const measured = await measureRound(runtime, round)
    // The work of a saturated driver's request: what this round's proxy with analytics off took per request, non-stream.
    const offCpu = median(measured.cycles.filter((c) => c.scenario === 'json-c50').map((c) => c.off.cpuUsPerRequest))
    driverPairs.push(...(await measureDriver(runtime, round, Math.round(offCpu))))
    benchCpu += ownCpuMicros() - cpuBefore
    cycles.push(...measured.cycles)
    events.push({ runtime, round, targets: measured.events })
  }
}
const summary = summarize(cycles)
const driver = summarizeDriver(driverPairs, summary)
// The servers are this process's children, so their CPU is in its own children's time once they exited.
const otherCpuCores = Math.max(0, machineBusyMicros() - start.machine - benchCpu) / ((performance.now() - start.at) * 1000)
const results = { machine, settings, summary, driver, events, otherCpuCores, cycles, driverPairs }
const text = markdown(results)
const out = join(repoRoot, 'bench', 'results')
writeFileSync(join(out, 'spool-cost.json'), `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(join(out, 'spool-cost.md'), text)
console.log(text)
