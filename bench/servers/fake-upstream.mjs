/**
 * A lean fake OpenAI Chat Completions upstream for the benchmark (run as its own process).
 *
 * POST /v1/chat/completions answers at once: a JSON completion, or with `"stream": true` an SSE stream of
 * 20 content chunks, a finish chunk, a usage chunk when `stream_options.include_usage` is set, and [DONE].
 * When the last message is "bench:paced", the chunks are sent 5 ms apart and each one's content is
 * `t:<process.hrtime.bigint()>` taken just before the write (CLOCK_MONOTONIC, shared by every process on
 * the machine), so a client can measure each chunk's delay.
 *
 * GET /stats returns `{ requests: { <Authorization token>: count } }`: each benchmark target sends (or is
 * configured with) its own key, so requests are counted per target.
 */
import { createServer } from 'node:http'

const CHUNKS = 20
const PACE_MS = 5
const MODEL = 'gpt-4o-mini-2024-07-18'
const USAGE = { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: 12 + CHUNKS }
const created = Math.floor(Date.now() / 1000)

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created,
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench upstream!' }, finish_reason: 'stop' }],
  usage: USAGE,
})

const chunk = (fields, includeUsage) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created,
    model: MODEL,
    ...fields,
    ...(includeUsage && !fields.usage ? { usage: null } : {}),
  })}\n\n`
const contentChunk = (text, includeUsage) => chunk({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }, includeUsage)
const tail = (includeUsage) =>
  chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }, includeUsage) +
  (includeUsage ? chunk({ choices: [], usage: USAGE }, true) : '') +
  'data: [DONE]\n\n'

const counts = {}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests: counts }))
    return
  }
  if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
    res.writeHead(404).end()
    return
  }
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
  counts[token] = (counts[token] ?? 0) + 1
  const parts = []
  req.on('data', (part) => parts.push(part))
  req.on('end', () => {
    let body
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'))
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad JSON"}}')
      return
    }
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion)
      return
    }
    const includeUsage = body.stream_options?.include_usage === true
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    if (body.messages?.at(-1)?.content === 'bench:paced') {
      let sent = 0
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer)
        res.write(contentChunk(`t:${process.hrtime.bigint()}`, includeUsage))
        if (++sent === CHUNKS) {
          clearInterval(timer)
          res.end(tail(includeUsage))
        }
      }, PACE_MS)
      return
    }
    for (let i = 0; i < CHUNKS; i++) res.write(contentChunk(`w${i} `, includeUsage))
    res.end(tail(includeUsage))
  })
})
server.keepAliveTimeout = 120_000

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.address().port}` }))
})
