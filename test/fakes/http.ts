import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Starts `server` on a free loopback port and returns the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}

/** A request's headers as one lower-cased string each, repeated ones joined as HTTP does. */
export function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

/** Resolves once `condition` holds, checking every 10 ms; rejects with `describe()` after `timeoutMs`. */
export function waitUntil(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (condition()) return resolve()
    const started = Date.now()
    const timer = setInterval(() => {
      if (condition()) {
        clearInterval(timer)
        resolve()
      } else if (Date.now() - started >= timeoutMs) {
        clearInterval(timer)
        reject(new Error(describe()))
      }
    }, 10)
  })
}

/** Closes a fake server now: open connections (kept-alive, or held by a scenario) are cut. */
export function closeNow(server: Server, sockets: Iterable<{ destroy(): void }>): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
    for (const socket of sockets) socket.destroy()
  })
}
