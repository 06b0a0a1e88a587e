import { Readable } from 'node:stream'
import { Agent, request } from 'undici'
import type { Transport } from '../proxy/transport.ts'

// RFC 9110 §7.6.1: meaningful for one connection only, never relayed.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

/**
 * Node's upstream transport: undici's `request` over a keep-alive pool. Node's built-in fetch spends
 * most of a proxied request's CPU in WHATWG plumbing (Request objects, web streams); `request` skips
 * it, and a body is turned into a web stream only when the proxy streams it. No decompression is
 * needed: the proxy forwards no Accept-Encoding, so upstreams answer uncompressed.
 */
export function undiciTransport(connectionsPerOrigin = 256): Transport {
  const dispatcher = new Agent({ connections: connectionsPerOrigin, keepAliveTimeout: 30_000 })
  return async (call) => {
    const outgoing: Record<string, string> = {}
    call.headers.forEach((value, name) => {
      outgoing[name] = value
    })
    const reply = await request(call.url, { method: 'POST', headers: outgoing, body: call.body, signal: call.signal, dispatcher })
    const headers = new Headers()
    for (const [name, value] of Object.entries(reply.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue
      if (Array.isArray(value)) for (const item of value) headers.append(name, item)
      else headers.set(name, value)
    }
    let webBody: ReadableStream<Uint8Array<ArrayBuffer>> | undefined
    return {
      status: reply.statusCode,
      ok: reply.statusCode >= 200 && reply.statusCode < 300,
      headers,
      get body() {
        webBody ??= Readable.toWeb(reply.body) as ReadableStream<Uint8Array<ArrayBuffer>>
        return webBody
      },
      arrayBuffer: () => reply.body.arrayBuffer(),
    }
  }
}
