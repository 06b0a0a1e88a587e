import type { Context } from 'hono'
import { setMetric } from 'hono/timing'
import { bareUpstreamError } from '../../shared/apis/openai/error.ts'
import type { StreamAccumulator, StreamTranslator, UpstreamError } from '../../shared/apis/types.ts'
import type { CompletionResult, JsonObject } from '../../shared/types.ts'
import { EMPTY_COMPLETION, type GenerationEnd, type GenerationRecorder, type GenerationStart } from '../analytics/recorder.ts'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'
import type { Metrics } from '../metrics.ts'
import { relaySse } from '../proxy/sse-relay.ts'
import type { Transport } from '../proxy/transport.ts'
import { callUpstream } from '../proxy/upstream.ts'
import type { Begun } from './begin.ts'

export interface RelayDeps {
  recorder: GenerationRecorder
  metrics: Metrics
  transport: Transport
  upstreamTimeoutMs: number
}

/** How to read the upstream's answers, in the upstream's own format. */
export interface UpstreamReader {
  completion(json: unknown): CompletionResult
  /** The upstream's own error, or null when its body carries none (the status then stands for it). */
  error(json: unknown, status: number): UpstreamError | null
  accumulator(): StreamAccumulator
}

/** How to turn the upstream's answers into the client's format, when the two differ. */
export interface Translation {
  json(json: unknown): JsonObject
  error(status: number, json: unknown): JsonObject
  stream(): StreamTranslator
}

export interface RelayPlan {
  /** `route` label of the request metrics. */
  route: string
  begun: Begun
  start: GenerationStart
  upstreamHeaders: Headers
  upstreamBody: string
  reader: UpstreamReader
  translation?: Translation
  /** Passed-through stream events the client must not see. */
  drop?: (data: unknown) => boolean
  /** Framed SSE event, in the client's format, ending a stream whose upstream broke. */
  midStreamError: string
}

/**
 * Sends a generation upstream and relays the answer (streamed or not, passed through or translated),
 * recording an event once it has ended. The proxy's own failures follow SPEC §2: 499, 502, 504.
 */
export async function relayGeneration(c: Context<AppEnv>, deps: RelayDeps, plan: RelayPlan): Promise<Response> {
  const { begun, start, reader, translation } = plan
  const provider = start.provider.definition.id
  // Latency is observed with the event, over the same span as its `$ai_latency`: to the last byte, which
  // for a stream is its end (or the proxy's own answer when it fails first).
  // Resolves once the event is safe from a crash: awaited before the response's last byte goes out.
  const record = (end: GenerationEnd) => {
    deps.metrics.requestDuration.observe({ route: plan.route, provider }, Math.max(0, end.lastByteMs - start.startedMs) / 1000)
    return deps.recorder.record(start, end)
  }
  const count = (status: number) => deps.metrics.requests.inc({ route: plan.route, provider, status: String(status) })

  const upstreamStartedMs = performance.now()
  const upstream = await callUpstream({
    url: start.requestUrl,
    headers: plan.upstreamHeaders,
    body: plan.upstreamBody,
    clientSignal: c.req.raw.signal,
    timeoutMs: deps.upstreamTimeoutMs,
    transport: deps.transport,
  })
  const reportTiming = (upstreamEndMs: number) => {
    const upstreamMs = upstreamEndMs - upstreamStartedMs
    setMetric(c, 'upstream', upstreamMs, 'Upstream')
    setMetric(c, 'proxy', performance.now() - start.startedMs - upstreamMs, 'OpenStack proxy overhead')
  }

  const fail = async (status: 499 | 502 | 504, reason: string) => {
    count(status)
    await record({
      httpStatus: status,
      error: { message: reason, type: 'proxy_error', code: String(status) },
      completion: EMPTY_COMPLETION,
      lastByteMs: performance.now(),
      firstTokenMs: null,
    })
    const code = status === 504 ? 'upstream_timeout' : status === 499 ? 'client_closed' : 'upstream_unreachable'
    // 499 is for the event only: the client is gone, any status will do for the socket.
    const failed = errorResponse(c, status === 499 ? 502 : status, `${reason}.`, code)
    begun.withProxyHeaders(failed.headers)
    return failed
  }
  if (!upstream.ok) return fail(upstream.status, upstream.reason)

  const headersMs = performance.now()
  const response = upstream.response
  const isSse = (response.headers.get('content-type') ?? '').includes('text/event-stream')
  if (response.ok && isSse && response.body) {
    count(response.status)
    const accumulator = reader.accumulator()
    const streamed = relaySse(response.body, {
      accumulator,
      translator: translation?.stream(),
      drop: plan.drop,
      midStreamError: plan.midStreamError,
      cancelUpstream: upstream.cancel,
      onEnd: (summary) => {
        // A failure the upstream reported inside the stream (an error event) explains its end best, even
        // when the client, having raised it, closed the connection before the upstream's last byte.
        const reported = accumulator.error?.() ?? null
        const { end } = summary
        const status = reported || end.kind === 'done' ? response.status : end.kind === 'cancelled' ? 499 : 502
        const proxyError = end.kind === 'cancelled' ? 'client closed the connection' : end.kind === 'failed' ? end.reason : null
        return record({
          httpStatus: status,
          error: reported ?? (proxyError === null ? null : { message: proxyError, type: 'proxy_error', code: String(status) }),
          completion: summary.completion,
          lastByteMs: summary.lastByteAt,
          firstTokenMs: summary.firstTokenAt,
        })
      },
    })
    reportTiming(headersMs)
    const headers = begun.withProxyHeaders(response.headers)
    if (translation) headers.delete('content-length')
    return new Response(streamed, { status: response.status, headers })
  }

  // Not streamed (or an upstream error): read it whole; passed through, answer with the very same bytes.
  let bytes: ArrayBuffer
  try {
    bytes = await response.arrayBuffer()
  } catch {
    if (c.req.raw.signal.aborted) return fail(499, 'client closed the connection')
    return fail(502, 'upstream connection lost while sending its answer')
  }
  count(response.status)
  const lastByteMs = performance.now()
  const json = parseJson(bytes)
  const completion = response.ok ? reader.completion(json) : EMPTY_COMPLETION
  const cost = response.ok ? deps.recorder.costOf(start, completion) : null
  const headers = begun.withProxyHeaders(response.headers)
  if (cost) headers.set('X-Openstack-Cost-Usd', String(cost.totalUsd))
  await record({
    httpStatus: response.status,
    error: response.ok ? null : (reader.error(json, response.status) ?? bareUpstreamError(response.status)),
    completion,
    lastByteMs,
    firstTokenMs: null,
    cost,
  })
  reportTiming(lastByteMs)
  if (!translation) return new Response(bytes, { status: response.status, headers })
  const translated = response.ok ? translation.json(json) : translation.error(response.status, json)
  headers.delete('content-length')
  headers.set('content-type', 'application/json')
  return new Response(JSON.stringify(translated), { status: response.status, headers })
}

function parseJson(bytes: ArrayBuffer): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return null
  }
}
