/** A minimal HTTP client for the benchmark's own checks (node:http, keep-alive, bounded in time). */
import { Agent, request } from 'node:http'

export const agent = new Agent({ keepAlive: true, maxSockets: 64 })

/**
 * POSTs `body` (a string) as JSON and reads the whole answer. `onData(buffer, arrivalNs)` sees each piece
 * as it arrives, with its arrival time from `process.hrtime.bigint()`. Resolves `{ status }`; rejects on a
 * network error or after `timeoutMs`.
 */
export function post(url, { headers, body, onData = () => {}, timeoutMs = 10_000 }) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json' } }, (res) => {
      res.on('data', (data) => onData(data, process.hrtime.bigint()))
      res.on('end', () => {
        clearTimeout(timer)
        resolve({ status: res.statusCode })
      })
      res.on('error', fail)
    })
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer from ${url} within ${timeoutMs} ms`)), timeoutMs)
    function fail(error) {
      clearTimeout(timer)
      reject(error)
    }
    req.on('error', fail)
    req.end(body)
  })
}
