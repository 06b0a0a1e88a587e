/**
 * Load generation: wrk (one thread) when it is installed, else autocannon from npm. Each run is bounded
 * by its duration, and the load generator is killed by PID if it overruns.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runBounded } from './processes.mjs'

/** Picks the load generator: `{ name, version }`. BENCH_LOADGEN=autocannon forces the fallback. */
export function loadGenerator(repoRoot) {
  const wrk = process.env.BENCH_LOADGEN === 'autocannon' ? null : spawnSync('wrk', ['-v'], { encoding: 'utf8' })
  if (wrk && !wrk.error) return { name: 'wrk', version: (wrk.stdout + wrk.stderr).split(' [')[0].trim() }
  const autocannon = join(repoRoot, 'node_modules', '.bin', 'autocannon')
  if (!existsSync(autocannon)) throw new Error('neither wrk nor autocannon found: install wrk (apt-get install wrk) or run npm ci')
  if (process.env.BENCH_LOADGEN !== 'autocannon') {
    console.error('bench: wrk is not installed (Debian/Ubuntu: sudo apt-get install wrk); falling back to autocannon,')
    console.error('       which runs on Node and takes more CPU from the servers, and whose latencies have 1 ms resolution.')
  }
  const version = spawnSync(autocannon, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim()
  return { name: 'autocannon', version, bin: autocannon }
}

/**
 * Runs one load test against `url` (POST `body` with `headers`) for `seconds` at `connections`.
 * Resolves `{ requests, seconds, rps, p50Ms, p99Ms, errors }`, where `errors` counts socket errors,
 * timeouts and non-2xx answers.
 */
export function runLoad(generator, { url, headers, body, connections, seconds, tempDir }) {
  return generator.name === 'wrk'
    ? runWrk({ url, headers, body, connections, seconds, tempDir })
    : runAutocannon(generator.bin, { url, headers, body, connections, seconds })
}

function wrkScript(headers, body) {
  const lines = ['wrk.method = "POST"', `wrk.body = ${JSON.stringify(body)}`, 'wrk.headers["Content-Type"] = "application/json"']
  for (const [name, value] of Object.entries(headers)) lines.push(`wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'BENCH_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"errors":%d}\\n\',',
    '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),',
    '    e.connect + e.read + e.write + e.status + e.timeout))',
    'end',
  )
  return lines.join('\n') + '\n'
}

async function runWrk({ url, headers, body, connections, seconds, tempDir }) {
  const script = join(tempDir, 'request.lua')
  writeFileSync(script, wrkScript(headers, body))
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url]
  const output = await runBounded('wrk', args, (seconds + 20) * 1000)
  const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '))
  if (!line) throw new Error(`wrk printed no result:\n${output}`)
  const r = JSON.parse(line.slice('BENCH_RESULT '.length))
  const elapsed = r.durationUs / 1e6
  return { requests: r.requests, seconds: elapsed, rps: r.requests / elapsed, p50Ms: r.p50Us / 1000, p99Ms: r.p99Us / 1000, errors: r.errors }
}

async function runAutocannon(bin, { url, headers, body, connections, seconds }) {
  const args = ['-j', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-b', body, '-H', 'content-type=application/json']
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`)
  const r = JSON.parse(await runBounded(bin, [...args, url], (seconds + 20) * 1000))
  return {
    requests: r.requests.total,
    seconds: r.duration,
    rps: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
  }
}
