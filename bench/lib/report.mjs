/**
 * Turns the raw measurements into medians, ratios and checks, and writes latest.json (raw + summary)
 * and latest.md (the tables) into the results directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { finite, median, percentile } from './stats.mjs'

function summarizeScenario(results, scenario) {
  const { runs, targets } = results
  return targets.map(({ id }) => {
    const mine = runs.filter((r) => r.scenario === scenario.id && r.target === id)
    // A ratio or difference to another target is taken within each round, then the median over rounds.
    const vs = (other, f) =>
      median(mine.map((r) => {
        const o = runs.find((x) => x.round === r.round && x.scenario === scenario.id && x.target === other)
        return o ? f(r, o) : NaN
      }))
    const inFlight = mine.map((r) => r.upstreamRequests - r.requests)
    return {
      target: id,
      rps: median(mine.map((r) => r.rps)),
      vsBare: vs('bare', (r, o) => r.rps / o.rps),
      vsPortkey: vs('portkey', (r, o) => r.rps / o.rps),
      p50Ms: median(mine.map((r) => r.p50Ms)),
      p99Ms: median(mine.map((r) => r.p99Ms)),
      addedP50Ms: vs('direct', (r, o) => r.p50Ms - o.p50Ms),
      addedP99Ms: vs('direct', (r, o) => r.p99Ms - o.p99Ms),
      cpuUsPerRequest: median(mine.map((r) => r.cpuUsPerRequest)),
      peakRssMb: Math.max(...mine.map((r) => r.peakRssMb)),
      errors: mine.reduce((sum, r) => sum + r.errors, 0),
      // Upstream requests minus completed ones: 0 up to the connection count (requests cut off by the end of the run).
      upstreamExtra: { min: Math.min(...inFlight), max: Math.max(...inFlight) },
      upstreamCountOk: inFlight.every((n) => n >= 0 && n <= scenario.connections),
    }
  })
}

function summarizeChunks(chunkDelays) {
  const rows = Object.entries(chunkDelays).map(([target, delays]) => {
    const sorted = finite(delays)
    return {
      target,
      chunks: sorted.length,
      p50Us: percentile(sorted, 50),
      p99Us: percentile(sorted, 99),
      maxUs: sorted.at(-1),
      over1ms: sorted.filter((us) => us > 1000).length,
    }
  })
  const direct = rows.find((r) => r.target === 'direct')
  for (const row of rows) row.addedP50Us = direct ? row.p50Us - direct.p50Us : null
  return rows
}

export function summarize(results) {
  const scenarios = Object.fromEntries(results.scenarios.map((s) => [s.id, summarizeScenario(results, s)]))
  const chunks = summarizeChunks(results.chunkDelays)
  const peakRssMb = Object.fromEntries(
    results.targets.map(({ id }) => [id, Math.max(results.warmupPeakRssMb[id], ...results.runs.filter((r) => r.target === id).map((r) => r.peakRssMb))]),
  )
  const row = (scenario, target) => scenarios[scenario].find((r) => r.target === target)
  const goals = ['node', 'deno']
    .filter((id) => results.targets.some((t) => t.id === id))
    .map((id) => {
      const value = (scenario, key) => row(scenario, id)?.[key] ?? null
      const chunk = chunks.find((c) => c.target === id)
      return {
        target: id,
        goals: [
          { goal: 'non-stream throughput ≥ 0.9× bare (c=50)', value: value('json-c50', 'vsBare'), unit: '×', ok: (v) => v >= 0.9 },
          { goal: 'stream throughput ≥ 0.9× bare (c=50)', value: value('stream-c50', 'vsBare'), unit: '×', ok: (v) => v >= 0.9 },
          { goal: 'non-stream throughput ≥ 10× Portkey (c=50)', value: value('json-c50', 'vsPortkey'), unit: '×', ok: (v) => v >= 10 },
          { goal: 'stream throughput ≥ 10× Portkey (c=50)', value: value('stream-c50', 'vsPortkey'), unit: '×', ok: (v) => v >= 10 },
          { goal: 'added p50 ≤ 0.3 ms, non-stream (c=1)', value: value('json-c1', 'addedP50Ms'), unit: 'ms', ok: (v) => v <= 0.3 },
          { goal: 'added p50 ≤ 0.3 ms, stream (c=1)', value: value('stream-c1', 'addedP50Ms'), unit: 'ms', ok: (v) => v <= 0.3 },
          { goal: 'peak RSS ≤ 120 MB', value: peakRssMb[id], unit: 'MB', ok: (v) => v <= 120 },
          { goal: 'every stream chunk within 1 ms (max)', value: chunk ? chunk.maxUs / 1000 : null, unit: 'ms', ok: (v) => v <= 1 },
        ].map(({ ok, ...g }) => ({ ...g, met: g.value === null ? null : ok(g.value) })),
      }
    })
  return {
    scenarios,
    chunks,
    peakRssMb,
    goals,
    scaling: summarizePairs(results, [['node', 'node2'], ['deno', 'deno2']]),
    analyticsCost: summarizePairs(results, [['node-off', 'node'], ['deno-off', 'deno']]),
    spoolCost: summarizePairs(results, [['node-mem', 'node'], ['deno-mem', 'deno']]),
  }
}

/**
 * Two targets that differ in one thing (one process against two; analytics off against on), where both ran:
 * req/s of each and their ratio in the same round (median), per scenario.
 */
function summarizePairs(results, candidates) {
  const ran = new Set(results.targets.map((t) => t.id))
  const pairs = candidates.filter(([one, two]) => ran.has(one) && ran.has(two))
  return pairs.map(([one, two]) => ({
    one,
    two,
    scenarios: results.scenarios.map((scenario) => {
      const runsOf = (id) => results.runs.filter((r) => r.scenario === scenario.id && r.target === id)
      const ratios = runsOf(two).map((r) => {
        const o = runsOf(one).find((x) => x.round === r.round)
        return o ? r.rps / o.rps : NaN
      })
      return {
        scenario: scenario.id,
        oneRps: median(runsOf(one).map((r) => r.rps)),
        twoRps: median(runsOf(two).map((r) => r.rps)),
        ratio: median(ratios),
        ratios,
        oneCpuUsPerRequest: median(runsOf(one).map((r) => r.cpuUsPerRequest)),
        twoCpuUsPerRequest: median(runsOf(two).map((r) => r.cpuUsPerRequest)),
      }
    }),
  }))
}

const int = (v) => (v === null ? '–' : Math.round(v).toLocaleString('en-US'))
const fixed = (v, digits = 2) => (v === null ? '–' : v.toFixed(digits))
const signed = (v, digits = 2) => (v === null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`)
const ratio = (v) => (v === null ? '–' : `${v.toFixed(v >= 10 ? 1 : 2)}×`)
const mark = (ok) => (ok === null ? '–' : ok ? '✓' : '✗')
const table = (header, rows) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')

function markdown(results, summary) {
  const { machine: m, settings: s } = results
  const label = Object.fromEntries(results.targets.map((t) => [t.id, t.label]))
  const out = [
    '# Benchmark: the proxy against a bare Node forwarder and Portkey',
    '',
    `${m.date} · commit ${m.commit} · ${s.run} run: ${s.rounds} round(s), ${s.seconds} s per load run, medians over rounds, ` +
      `${s.warmupSeconds} s warm-up per target · ${m.loadGenerator}${m.loadGenerator.startsWith('wrk') ? ' (1 thread)' : ''}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, ${m.kernel} · Node ${m.node} · Deno ${m.deno} · Portkey ${m.portkey}`,
    '',
    `Other processes on the machine used ${results.otherCpuCores.toFixed(2)} of its ${m.cores} cores on average while this ran ` +
      `(load average ${m.loadAverageAtStart.toFixed(2)} at start); anything above ~0.05 skews the figures.`,
    '',
    'All processes on 127.0.0.1, load generator included. Analytics on: the proxies build a PostHog event for every',
    'request and send them in batches (flushAt 100, every 1 s) to a fake PostHog. "+p50"/"+p99" are the latency added',
    'to the direct call in the same round; "× bare" and "× Portkey" are throughput ratios in the same round; CPU is',
    "the server's user+system time per request; peak RSS is the server's VmHWM during the runs. For a target of",
    'several processes (×2: a Node primary and its 2 workers, or 2 Deno processes) both are summed over its processes.',
  ]

  if (summary.goals.length > 0) {
    const goalNames = summary.goals[0].goals.map((g) => g.goal)
    out.push('', '## Issue #3 targets', '')
    out.push(
      table(
        ['target', ...summary.goals.map((g) => label[g.target])],
        goalNames.map((name, i) => [
          name,
          ...summary.goals.map(({ goals }) => {
            const g = goals[i]
            return g.value === null ? '–' : `${g.unit === '×' ? ratio(g.value) : `${fixed(g.value)} ${g.unit}`} ${mark(g.met)}`
          }),
        ]),
      ),
    )
    out.push('', 'Where the CPU goes, and so what limits these figures: `profile.md` (`npm run bench:profile`).')
  }

  const scenarioLabel = Object.fromEntries(results.scenarios.map((sc) => [sc.id, sc.label]))
  if (summary.scaling.length > 0) {
    out.push('', '## One process against two', '')
    out.push(
      'The same proxy on one process and on two sharing the port. "×2 / ×1" is the throughput ratio in the same round.',
      `On this ${m.cores}-core machine the load generator and the fakes run on the same cores as the proxies.`,
      '',
    )
    out.push(
      table(
        ['scenario', ...summary.scaling.flatMap(({ one, two }) => [`${label[one]} req/s`, `${label[two]} req/s`, '×2 / ×1', 'CPU µs/req ×1 → ×2'])],
        results.scenarios.map((scenario) => [
          scenarioLabel[scenario.id],
          ...summary.scaling.flatMap(({ scenarios }) => {
            const r = scenarios.find((x) => x.scenario === scenario.id)
            return [int(r.oneRps), int(r.twoRps), ratio(r.ratio), `${int(r.oneCpuUsPerRequest)} → ${int(r.twoCpuUsPerRequest)}`]
          }),
        ]),
      ),
    )
  }

  /** One table per pair list: req/s of each, their ratio, the cost (1 - ratio) against `limit`, CPU per request. */
  const costTable = (pairs, ratioHeader, limit) =>
    table(
      ['scenario', ...pairs.flatMap(({ one, two }) => [`${label[one]} req/s`, `${label[two]} req/s`, ratioHeader, 'each round', `cost < ${limit}%`, 'CPU µs/req'])],
      results.scenarios.map((scenario) => [
        scenarioLabel[scenario.id],
        ...pairs.flatMap(({ scenarios }) => {
          const r = scenarios.find((x) => x.scenario === scenario.id)
          const cost = Number.isNaN(r.ratio) ? '–' : `${fixed((1 - r.ratio) * 100, 1)}% ${mark(r.ratio >= 1 - limit / 100)}`
          // The spread between rounds says how far the median can be trusted.
          const rounds = r.ratios.filter((x) => !Number.isNaN(x)).map((x) => x.toFixed(2)).join(', ')
          return [int(r.oneRps), int(r.twoRps), ratio(r.ratio), rounds, cost, `${int(r.oneCpuUsPerRequest)} → ${int(r.twoCpuUsPerRequest)}`]
        }),
      ]),
    )

  if (summary.spoolCost.length > 0) {
    out.push('', '## What the durable spool costs: events spooled on disk against kept in memory', '')
    out.push(
      'The same proxy with PostHog on, building and sending every event, once with the durable spool and once with',
      'the events kept in memory (the `-mem` targets: bench/servers/spool-in-memory.ts swapped in for the file spool).',
      'The difference is what the spool adds: the record encoding, the grouped writes (each response waits for its',
      "event's), the group commits and the segment bookkeeping. \"disk / memory\" is the throughput ratio in the same",
      'round; issue #5 asks for a spool that costs under 5%.',
      '',
      costTable(summary.spoolCost, 'disk / memory', 5),
    )
  }

  if (summary.analyticsCost.length > 0) {
    out.push('', '## What analytics costs: events built, spooled and sent against analytics off', '')
    out.push(
      'The same proxy with PostHog on (every request builds an event, writes it to the durable spool and sends it)',
      'and with PostHog off (no event at all). "on / off" is the throughput ratio in the same round.',
      '',
      costTable(summary.analyticsCost, 'on / off', 5),
    )
  }

  for (const scenario of results.scenarios) {
    out.push('', `## ${scenario.label}`, '')
    out.push(
      table(
        ['target', 'req/s', '× bare', '× Portkey', 'p50 ms', 'p99 ms', '+p50 ms', '+p99 ms', 'CPU µs/req', 'peak RSS MB', 'errors'],
        summary.scenarios[scenario.id].map((r) => [
          label[r.target],
          int(r.rps),
          ratio(r.vsBare),
          ratio(r.vsPortkey),
          fixed(r.p50Ms),
          fixed(r.p99Ms),
          r.target === 'direct' ? '' : signed(r.addedP50Ms),
          r.target === 'direct' ? '' : signed(r.addedP99Ms),
          int(r.cpuUsPerRequest),
          int(r.peakRssMb),
          int(r.errors),
        ]),
      ),
    )
  }

  out.push('', '## Per-chunk stream delay', '')
  out.push(
    `Paced streams of 20 chunks 5 ms apart, ${s.chunkStreamsPerRound} per target and round, one at a time: for each chunk, the time from the`,
    "upstream's write to the chunk being complete at the client (both read CLOCK_MONOTONIC). The direct row is the floor.",
    '',
  )
  out.push(
    table(
      ['target', 'chunks', 'p50 µs', 'p99 µs', 'max µs', '+p50 µs vs direct', 'over 1 ms'],
      summary.chunks.map((r) => [label[r.target], int(r.chunks), int(r.p50Us), int(r.p99Us), int(r.maxUs), r.target === 'direct' ? '' : signed(r.addedP50Us, 0), int(r.over1ms)]),
    ),
  )

  out.push('', '## Checks', '')
  out.push(
    `Load runs: requests seen by the upstream minus requests completed by the load generator (0 up to the connection count:`,
    `requests cut off when a run ends). Accounting: ${s.accountingRequests} requests per target, every other one streamed,`,
    'each with its own trace id; every one must reach the upstream once and, through the proxies, produce exactly one',
    'event. Events: all events received by the fake PostHog against all upstream requests made by that proxy.',
    '',
  )
  const accounting = Object.fromEntries(results.accounting.map((a) => [a.target, a]))
  const events = Object.fromEntries(results.events.map((e) => [e.target, e]))
  out.push(
    table(
      ['target', 'load runs: upstream − completed', 'accounting: 200 OK', 'upstream', 'events (distinct trace ids)', 'duplicate events', 'events / upstream, whole run'],
      results.targets.map(({ id }) => {
        const loadRows = Object.values(summary.scenarios).map((rows) => rows.find((r) => r.target === id))
        const extra = `${Math.min(...loadRows.map((r) => r.upstreamExtra.min))} to ${Math.max(...loadRows.map((r) => r.upstreamExtra.max))}`
        const a = accounting[id]
        const e = events[id]
        return [
          label[id],
          `${extra} ${mark(loadRows.every((r) => r.upstreamCountOk))}`,
          a ? `${a.ok}/${a.sent} ${mark(a.ok === a.sent)}` : '',
          a ? `${a.upstreamRequests}/${a.sent} ${mark(a.upstreamRequests === a.sent)}` : '',
          a?.distinct !== undefined ? `${a.distinct}/${a.sent} ${mark(a.distinct === a.sent)}` : '',
          a?.duplicated !== undefined ? `${a.duplicated} ${mark(a.duplicated === 0)}` : '',
          e ? `${int(e.events)} / ${int(e.upstreamRequests)} ${mark(e.events === e.upstreamRequests)}` : '',
        ]
      }),
    ),
  )
  return out.join('\n') + '\n'
}

/** Writes `<name>.json` and `<name>.md` (by default latest.*) into `dir`; returns `{ summary, markdown }`. */
export function writeReport(dir, name, results) {
  const summary = summarize(results)
  const text = markdown(results, summary)
  mkdirSync(dir, { recursive: true })
  const { chunkDelays, ...raw } = results // the per-chunk samples are summarized, not kept
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ ...raw, summary }, null, 2) + '\n')
  writeFileSync(join(dir, `${name}.md`), text)
  return { summary, markdown: text }
}
