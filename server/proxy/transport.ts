import { proxy } from 'hono/proxy'

/** One upstream call, as the proxy makes it: a buffered JSON body, the runtime does the rest. */
export interface UpstreamCall {
  url: string
  headers: Headers
  body: string
  signal: AbortSignal
}

/**
 * The part of a `Response` the proxy reads; a transport may build `body` only when it is asked for.
 * `headers` belong to the caller, who edits and relays them without a copy.
 */
export type UpstreamResponse = Pick<Response, 'status' | 'ok' | 'headers' | 'body' | 'arrayBuffer'>

/** How upstream calls are made: `fetch` by default, a faster client where a runtime adapter has one. */
export type Transport = (call: UpstreamCall) => Promise<UpstreamResponse>

/** The web-standard transport: `fetch` through Hono's proxy helper (hop-by-hop headers, encodings). */
export function fetchTransport(fetchImpl: typeof fetch = (input, init) => fetch(input, init)): Transport {
  return (call) =>
    proxy(call.url, { method: 'POST', headers: call.headers, body: call.body, signal: call.signal, customFetch: fetchImpl })
}
