/**
 * The floor: a bare Node `http` pass-through to UPSTREAM_URL (no parsing, no analytics), with a keep-alive
 * agent. Request and response bodies are piped, so streams pass chunk by chunk.
 */
import { Agent, createServer, request } from 'node:http'

const upstream = new URL(process.env.UPSTREAM_URL)
const agent = new Agent({ keepAlive: true, maxSockets: 256 })

const server = createServer((req, res) => {
  const forward = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers)
      answer.pipe(res)
    },
  )
  forward.on('error', () => {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  })
  req.pipe(forward)
})
server.keepAliveTimeout = 120_000

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.address().port}` }))
})
