/**
 * A recording pass-through between n8n and the proxy. The proxy never forwards `X-Openstack-*` headers upstream
 * (server/proxy/upstream.ts), so the fake upstream cannot show what the connector sent: this tap can.
 */
import { createServer, request, type IncomingHttpHeaders } from 'node:http'
import { headerRecord, listenOnLoopback } from '../../fakes/http.ts'

export interface TappedCall {
  method: string
  path: string
  /** Names lower-cased, as in the fakes. */
  headers: Record<string, string>
  /** Parsed JSON body, the raw text when not JSON, undefined when empty. */
  body: unknown
  status: number | null
}

export interface Tap {
  /** `http://127.0.0.1:PORT`, to use in place of the proxy's origin. */
  url: string
  calls: TappedCall[]
  close(): Promise<void>
}

function parseBody(raw: string): unknown {
  if (!raw) return undefined
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

export async function startTap(target: string): Promise<Tap> {
  const { hostname, port } = new URL(target)
  const calls: TappedCall[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const call: TappedCall = { method: req.method ?? '', path: req.url ?? '', headers: headerRecord(req), body: parseBody(raw.toString('utf8')), status: null }
      calls.push(call)
      const headers: IncomingHttpHeaders = { ...req.headers, host: `${hostname}:${port}` }
      const upstream = request({ hostname, port, method: req.method, path: req.url, headers }, (answer) => {
        call.status = answer.statusCode ?? null
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        // Piped, not buffered: streamed answers keep their chunking.
        answer.pipe(res)
      })
      upstream.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
        res.end(`tap: ${err.message}`)
      })
      upstream.end(raw)
    })
  })
  const tapPort = await listenOnLoopback(server)
  return {
    url: `http://127.0.0.1:${tapPort}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
