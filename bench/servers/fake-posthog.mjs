/**
 * A lean fake PostHog capture endpoint for the benchmark (run as its own process).
 *
 * POST /batch/ (gzip or not) accepts posthog-node's `{ api_key, batch: [...] }` and counts events per
 * `api_key` (each proxy under test has its own project key). Events whose `$ai_trace_id` starts with
 * "acct-" are also counted per trace id, to check that each request of the accounting phase produced
 * exactly one event.
 *
 * GET /stats?traces=PREFIX returns `{ events: { <api_key>: count }, batches, traces: { distinct, duplicated } }`,
 * where `traces` counts the trace ids that start with PREFIX.
 */
import { createServer } from 'node:http'
import { gunzipSync } from 'node:zlib'

const events = {}
const traceCounts = new Map()
let batches = 0

function record(body) {
  batches++
  events[body.api_key] = (events[body.api_key] ?? 0) + body.batch.length
  for (const event of body.batch) {
    const trace = event.properties?.$ai_trace_id
    if (typeof trace === 'string' && trace.startsWith('acct-')) traceCounts.set(trace, (traceCounts.get(trace) ?? 0) + 1)
  }
}

function traceStats(prefix) {
  let distinct = 0
  let duplicated = 0
  for (const [trace, count] of traceCounts) {
    if (!trace.startsWith(prefix)) continue
    distinct++
    if (count > 1) duplicated++
  }
  return { distinct, duplicated }
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost')
  if (req.method === 'GET' && url.pathname === '/stats') {
    const traces = traceStats(url.searchParams.get('traces') ?? 'acct-')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ events, batches, traces }))
    return
  }
  if (req.method !== 'POST' || url.pathname !== '/batch/') {
    res.writeHead(404).end()
    return
  }
  const parts = []
  req.on('data', (part) => parts.push(part))
  req.on('end', () => {
    try {
      const raw = Buffer.concat(parts)
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')
      record(JSON.parse(text))
    } catch (error) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }))
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":1}')
  })
})
server.keepAliveTimeout = 120_000

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.address().port}` }))
})
