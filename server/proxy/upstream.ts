import type { ConfiguredProvider } from '../../shared/providers/types.ts'
import type { Transport, UpstreamResponse } from './transport.ts'

/** Client headers worth passing on; everything else (cookies, client keys, X-Openstack-*) stays here. */
const FORWARDED_HEADERS = [
  'accept',
  'content-type',
  'user-agent',
  'idempotency-key',
  'openai-organization',
  'openai-project',
  'openai-beta',
  'anthropic-version',
  'anthropic-beta',
  // OpenRouter's app attribution.
  'http-referer',
  'x-title',
]
const FORWARDED_PREFIXES = ['x-stainless-']

/** Headers for the upstream: the allow-listed client headers, the provider's defaults, and its auth. */
export function upstreamHeaders(incoming: Headers, provider: ConfiguredProvider): Headers {
  const headers = new Headers()
  for (const [name, value] of incoming) {
    if (FORWARDED_HEADERS.includes(name) || FORWARDED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      headers.set(name, value)
    }
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  const { definition } = provider
  for (const [name, value] of Object.entries(definition.defaultHeaders ?? {})) if (!headers.has(name)) headers.set(name, value)
  for (const [name, value] of Object.entries(definition.authHeaders(provider.apiKey))) headers.set(name, value)
  return headers
}

export type UpstreamResult =
  | { ok: true; response: UpstreamResponse; cancel: (reason: string) => void }
  | { ok: false; status: 499 | 502 | 504; reason: string }

export interface UpstreamRequest {
  url: string
  headers: Headers
  body: string
  /** The client's request signal: aborts when the client goes away. */
  clientSignal: AbortSignal
  /** Longest wait for the response headers. */
  timeoutMs: number
  transport: Transport
}

/**
 * Calls the upstream through the runtime's transport and classifies failures as SPEC §2 names them:
 * 499 client went away, 504 timeout, 502 unreachable or reset.
 */
export async function callUpstream(request: UpstreamRequest): Promise<UpstreamResult> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new Error('upstream timeout'))
  }, request.timeoutMs)
  const onClientAbort = () => controller.abort(new Error('client closed the connection'))
  if (request.clientSignal.aborted) onClientAbort()
  request.clientSignal.addEventListener('abort', onClientAbort, { once: true })
  try {
    const response = await request.transport({
      url: request.url,
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
    })
    // Provider cookies (load balancer affinity) mean nothing to the proxy's clients.
    response.headers.delete('set-cookie')
    return { ok: true, response, cancel: (reason) => controller.abort(new Error(reason)) }
  } catch (error) {
    request.clientSignal.removeEventListener('abort', onClientAbort)
    if (request.clientSignal.aborted) return { ok: false, status: 499, reason: 'client closed the connection' }
    if (timedOut) {
      return { ok: false, status: 504, reason: `upstream did not answer within ${request.timeoutMs} ms` }
    }
    return { ok: false, status: 502, reason: `upstream unreachable (${describeNetworkError(error)})` }
  } finally {
    clearTimeout(timer)
  }
}

/** The network cause (ECONNREFUSED, ECONNRESET, …): fetch errors carry no headers, so no keys. */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause
  if (typeof cause?.code === 'string') return cause.code
  if (typeof cause?.message === 'string') return cause.message
  return error instanceof Error ? error.message : 'connection failed'
}
