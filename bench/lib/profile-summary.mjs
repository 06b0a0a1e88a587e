/**
 * Reads CPU profiles into shares of busy time: Node's `--cpu-prof` files (.cpuprofile) by what the code
 * belongs to, and V8 tick logs from Deno (`--v8-flags=--prof`) through `node --prof-process`.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** What a profiled function belongs to, from its script URL; first match wins. */
const NODE_CATEGORIES = [
  ['GC', (url, name) => url === '' && name === '(garbage collector)'],
  ['Node HTTP server and sockets', (url) => /^node:(_http_|internal\/http|net|internal\/stream_base|internal\/net|internal\/dns|internal\/js_stream)/.test(url) || url.startsWith('node:_http')],
  ['@hono/node-server (Node request/response <-> web Request/Response)', (url) => url.includes('/@hono/node-server/')],
  ['upstream client: undici (pool, web Headers/Response)', (url) => url.includes('/node_modules/undici/') || url.includes('internal/deps/undici')],
  ['web streams', (url) => url.includes('internal/webstreams')],
  ['Hono (router, context, middleware)', (url) => url.includes('/node_modules/hono/')],
  ['posthog-node (event queue and batches)', (url) => url.includes('/posthog-node/') || url.includes('/@posthog/core/')],
  ['@pydantic/genai-prices (price lookup)', (url) => url.includes('/@pydantic/genai-prices/')],
  ['proxy code (server/ and shared/, bundled in dist/node.js)', (url) => url.endsWith('/dist/node.js')],
  ['other dependencies', (url) => url.includes('/node_modules/')],
  ['other Node internals (timers, promises, events, buffers)', (url) => url.startsWith('node:')],
  ['native, not attributed to a script', () => true],
]

const IDLE = new Set(['(idle)', '(program)'])

/** Shares of busy time (idle left out) by category, and the functions with the most self time. */
export function summarizeCpuProfile(path, topCount = 15) {
  const profile = JSON.parse(readFileSync(path, 'utf8'))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfMicros = new Map()
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))

  let busy = 0
  const categories = new Map()
  const functions = new Map()
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame
    if (IDLE.has(functionName)) continue
    busy += micros
    const [category] = NODE_CATEGORIES.find(([, test]) => test(url, functionName))
    categories.set(category, (categories.get(category) ?? 0) + micros)
    const where = url === '' ? '' : ` ${url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber + 1}`
    const key = `${functionName || '(anonymous)'}${where}`
    functions.set(key, (functions.get(key) ?? 0) + micros)
  }
  const shares = (map) => [...map].sort((a, b) => b[1] - a[1]).map(([name, micros]) => ({ name, share: micros / busy }))
  return { busySeconds: busy / 1e6, categories: shares(categories), top: shares(functions).slice(0, topCount) }
}

/** `node --prof-process` of a V8 tick log: shares of ticks by library and the JS functions with the most. */
export function summarizeV8Log(path, topCount = 15) {
  const text = execFileSync(process.execPath, ['--prof-process', path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] })
  const section = (title) => {
    const start = text.indexOf(` [${title}]:`)
    if (start === -1) return []
    const end = text.indexOf('\n\n', start)
    return text.slice(start, end === -1 ? undefined : end).split('\n').slice(2)
  }
  const total = Number(/\((\d+) ticks/.exec(text)?.[1] ?? 0)
  const rows = (lines) =>
    lines
      .map((line) => /^\s*(\d+)\s+[\d.]+%\s+(?:[\d.]+%\s+)?(.+)$/.exec(line))
      .filter(Boolean)
      .map(([, ticks, name]) => ({ name: name.trim().replace(/file:\/\/\/\S*\/work\/[^/]+\//, '').replace(/^.*\/node_modules\//, ''), share: Number(ticks) / total }))
  const summary = rows(section('Summary')).filter((row) => !/^(UNKNOWN|Shared libraries)$/.test(row.name))
  const libraries = rows(section('Shared libraries')).map((row) => ({ ...row, name: row.name.replace(/^.*\/deno$/, 'deno binary (Rust: HTTP server, fetch, stream ops)') }))
  return { ticks: total, summary, libraries, top: rows(section('JavaScript')).slice(0, topCount) }
}
