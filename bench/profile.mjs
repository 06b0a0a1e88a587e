/**
 * `npm run bench:profile`: where the proxy's CPU goes under load. Starts the fakes and the proxy on Node
 * (`--cpu-prof`) and on Deno (V8 `--prof`), drives one scenario at 50 connections, stops them so that the
 * profiles are written, and repeats for the next scenario. Writes bench/results/profile.md and profile.json.
 *
 * Environment: BENCH_SECONDS (load per scenario and target, default 10).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { envInt } from './lib/env.mjs'
import { loadGenerator, runLoad } from './lib/load.mjs'
import { describeMachine } from './lib/machine.mjs'
import { cpuMicros } from './lib/processes.mjs'
import { summarizeCpuProfile, summarizeV8Log } from './lib/profile-summary.mjs'
import { BODIES, CHAT_PATH } from './lib/requests.mjs'
import { startAll } from './lib/targets.mjs'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const seconds = envInt('BENCH_SECONDS', 10, 1, 60)
const WARMUP_SECONDS = 3
const SCENARIOS = [
  { id: 'json-c50', label: 'non-stream, 50 connections', body: 'json' },
  { id: 'stream-c50', label: 'stream (20 chunks), 50 connections', body: 'stream' },
]
const PROXY_IDS = ['node', 'deno']

const say = (line) => console.error(line)
const tempDir = mkdtempSync(join(tmpdir(), 'openstack-profile-'))
process.once('exit', () => rmSync(tempDir, { recursive: true, force: true }))
const generator = loadGenerator(repoRoot)
const machine = describeMachine(repoRoot, generator)

async function profileScenario(scenario) {
  const profileDir = join(tempDir, scenario.id)
  mkdirSync(profileDir) // V8's --logfile does not create it
  const stack = await startAll({ repoRoot, tempDir, wanted: PROXY_IDS, profileDir })
  const measured = {}
  try {
    for (const target of stack.targets.filter((t) => PROXY_IDS.includes(t.id))) {
      const load = (duration) =>
        runLoad(generator, { url: target.url + CHAT_PATH, headers: target.headers, body: BODIES[scenario.body], connections: 50, seconds: duration, tempDir })
      await load(WARMUP_SECONDS)
      const cpuBefore = cpuMicros(target.pids)
      const result = await load(seconds)
      measured[target.id] = { rps: result.rps, cpuUsPerRequest: (cpuMicros(target.pids) - cpuBefore) / result.requests }
      say(`profile ${scenario.id} ${target.id}: ${Math.round(result.rps)} req/s`)
    }
  } finally {
    await stack.stopAll()
  }
  const files = readdirSync(profileDir)
  const cpuprofile = files.find((f) => f.endsWith('.cpuprofile'))
  const v8log = files.find((f) => f.endsWith('.v8.log'))
  if (!cpuprofile || !v8log) throw new Error(`profiles missing in ${profileDir}: ${files.join(', ') || 'none'}`)
  return {
    scenario: scenario.id,
    label: scenario.label,
    node: { ...measured.node, profile: summarizeCpuProfile(join(profileDir, cpuprofile)) },
    deno: { ...measured.deno, profile: summarizeV8Log(join(profileDir, v8log)) },
  }
}

const pct = (share) => `${(share * 100).toFixed(1)}%`
const table = (header, rows) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')

function markdown(results) {
  const lines = [
    '# Profile: where the proxy spends its CPU under load',
    '',
    `${new Date().toISOString()} · ${seconds} s per scenario and runtime after a ${WARMUP_SECONDS} s warm-up, 50 connections, analytics on · \`npm run bench:profile\``,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores · Node ${machine.node} · Deno ${machine.deno}. Load generator, fakes and proxy share the machine. The profilers slow the proxy: these req/s are not the benchmark's.`,
    '',
    'Node: `--cpu-prof`, self time by what the code belongs to (idle left out). Deno has no `--cpu-prof`: V8 ticks',
    '(`--v8-flags=--prof`, read by `node --prof-process`, whose V8 is not Deno\'s, so JS names are approximate).',
  ]
  for (const r of results) {
    lines.push('', `## ${r.label}`, '')
    lines.push(`Proxy on Node: ${Math.round(r.node.rps)} req/s, ${Math.round(r.node.cpuUsPerRequest)} µs CPU per request. Proxy on Deno: ${Math.round(r.deno.rps)} req/s, ${Math.round(r.deno.cpuUsPerRequest)} µs CPU per request.`)
    lines.push('', '### Node: busy time by part', '', table(['part', 'share'], r.node.profile.categories.map((c) => [c.name, pct(c.share)])))
    lines.push('', '### Node: functions with the most self time', '', table(['function', 'share'], r.node.profile.top.map((f) => [`\`${f.name}\``, pct(f.share)])))
    lines.push('', '### Deno: ticks by kind and by library', '', table(['kind or library', 'share of ticks'], [...r.deno.profile.summary, ...r.deno.profile.libraries].map((c) => [c.name, pct(c.share)])))
    lines.push('', '### Deno: JS functions with the most ticks', '', table(['function', 'share of ticks'], r.deno.profile.top.map((f) => [`\`${f.name}\``, pct(f.share)])))
  }
  return `${lines.join('\n')}\n`
}

const results = []
for (const scenario of SCENARIOS) results.push(await profileScenario(scenario))
const out = join(repoRoot, 'bench', 'results')
const md = markdown(results)
writeFileSync(join(out, 'profile.md'), md)
writeFileSync(join(out, 'profile.json'), `${JSON.stringify({ machine, seconds, results }, null, 2)}\n`)
console.log(md)
