import type { Context } from 'hono'
import { setMetric } from 'hono/timing'
import { uuidv7 } from 'uuidv7'
import { completionFromChatJson } from '../../shared/completion/openai-chat.ts'
import { inputFromChatRequest, modelParametersFromChatRequest } from '../../shared/event/input.ts'
import { resolveRoute } from '../../shared/providers/routing.ts'
import { readRequestMeta } from '../../shared/request-meta/index.ts'
import type { Json, JsonObject } from '../../shared/types.ts'
import { resolveUserId } from '../../shared/user-id/index.ts'
import { EMPTY_COMPLETION, type GenerationEnd, type GenerationRecorder, type GenerationStart } from '../analytics/recorder.ts'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'
import type { Metrics } from '../metrics.ts'
import { relayChatStream } from '../proxy/chat-stream.ts'
import type { Transport } from '../proxy/transport.ts'
import { callUpstream, upstreamHeaders } from '../proxy/upstream.ts'

export interface ChatDeps {
  recorder: GenerationRecorder
  metrics: Metrics
  transport: Transport
  upstreamTimeoutMs: number
}

type ParsedRequest = { ok: true; body: JsonObject; model: string } | { ok: false; response: Response }

/** SPEC §2 request checks after auth and size: malformed JSON, content type, missing model. */
async function parseChatRequest(c: Context<AppEnv>): Promise<ParsedRequest> {
  const text = await c.req.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { ok: false, response: errorResponse(c, 400, 'The request body is not valid JSON.', 'invalid_json') }
  }
  const contentType = c.req.header('content-type') ?? ''
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
    const message = `Content-Type must be application/json (got "${contentType || 'none'}").`
    return { ok: false, response: errorResponse(c, 400, message, 'invalid_content_type') }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, response: errorResponse(c, 400, 'The request body must be a JSON object.', 'invalid_body') }
  }
  const model = (body as JsonObject).model
  if (typeof model !== 'string' || model.trim() === '') {
    const message = 'Missing required parameter: "model" (a model id such as "gpt-4o-mini" or "openrouter/meta-llama/llama-3.1-70b").'
    return { ok: false, response: errorResponse(c, 400, message, 'missing_model') }
  }
  return { ok: true, body: body as JsonObject, model }
}

export function chatCompletions(deps: ChatDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const startedMs = performance.now()
    const startedAt = new Date()
    const paywall = c.get('paywall')

    const parsed = await parseChatRequest(c)
    if (!parsed.ok) return parsed.response
    const { body } = parsed

    const metaResult = readRequestMeta(c.req.raw.headers, () => crypto.randomUUID())
    if (!metaResult.ok) return errorResponse(c, 400, metaResult.message, 'invalid_header')
    const meta = metaResult.meta
    c.set('traceId', meta.traceId)

    const user = resolveUserId({
      bodyUser: body.user,
      header: c.req.header('x-openstack-user'),
      pathUser: c.req.param('user'),
    })
    if (!user.ok) return errorResponse(c, 400, user.message, 'invalid_user')
    if (user.userId === null && paywall.config.requireUser) {
      const message = 'This paywall requires a user id: send body "user", header X-Openstack-User, or the /{user}/v1 path prefix.'
      return errorResponse(c, 400, message, 'missing_user')
    }

    const routed = resolveRoute(parsed.model, paywall.providers, paywall.config.defaultProvider ?? null)
    if (!routed.ok) return errorResponse(c, 400, routed.message, 'model_not_routable')
    const { provider, model } = routed.route
    if (provider.definition.api !== 'openai') {
      const message = `Chat Completions to ${provider.definition.id} is not available yet; call its native API through the proxy instead.`
      return errorResponse(c, 400, message, 'provider_not_supported')
    }

    const stream = body.stream === true
    const upstreamBody: JsonObject = { ...body, model }
    const clientWantsUsage = isObject(body.stream_options) && body.stream_options.include_usage === true
    const stripUsageChunk = stream && provider.definition.streamUsageOption && !clientWantsUsage
    if (stripUsageChunk) {
      upstreamBody.stream_options = { ...(isObject(body.stream_options) ? body.stream_options : {}), include_usage: true }
    }

    const decision = deps.recorder.decide(paywall, user.userId)
    if (decision === 'missing-user') deps.metrics.inc('openstack_events_dropped_total', { reason: 'missing-user' })
    /** Headers of the proxy's own on every answer from here on. */
    const withProxyHeaders = (headers: Headers) => {
      if (decision === 'missing-user') headers.set('X-Openstack-Analytics', 'dropped; reason=missing-user')
      return headers
    }
    const start: GenerationStart = {
      paywall,
      provider,
      model,
      requestUrl: `${provider.baseUrl}/chat/completions`,
      input: inputFromChatRequest(body),
      tools: Array.isArray(body.tools) ? (body.tools as Json[]) : null,
      modelParameters: modelParametersFromChatRequest(body),
      stream,
      userId: user.userId,
      meta,
      requestId: c.get('requestId'),
      uuid: uuidv7(),
      startedAt,
      startedMs,
    }
    const record = (end: GenerationEnd) => deps.recorder.record(start, end)
    const count = (status: number) =>
      deps.metrics.inc('openstack_requests_total', { route: 'chat_completions', provider: provider.definition.id, status: String(status) })

    const upstreamStartedMs = performance.now()
    const upstream = await callUpstream({
      url: start.requestUrl,
      headers: upstreamHeaders(c.req.raw.headers, provider.definition.authHeaders(provider.apiKey)),
      // The body goes as sent unless routing or stream usage changed it.
      body: upstreamBody.model === body.model && !stripUsageChunk ? await c.req.text() : JSON.stringify(upstreamBody),
      clientSignal: c.req.raw.signal,
      timeoutMs: deps.upstreamTimeoutMs,
      transport: deps.transport,
    })
    const reportTiming = (upstreamEndMs: number) => {
      const upstreamMs = upstreamEndMs - upstreamStartedMs
      setMetric(c, 'upstream', upstreamMs, 'Upstream')
      setMetric(c, 'proxy', performance.now() - startedMs - upstreamMs, 'OpenStack proxy overhead')
    }

    /** The proxy's own failures (SPEC §2): recorded with their code, answered in OpenAI format. */
    const fail = (status: 499 | 502 | 504, reason: string) => {
      count(status)
      record({
        httpStatus: status,
        error: { message: reason, type: 'proxy_error', code: String(status) },
        completion: EMPTY_COMPLETION,
        lastByteMs: performance.now(),
        firstTokenMs: null,
      })
      const code = status === 504 ? 'upstream_timeout' : status === 499 ? 'client_closed' : 'upstream_unreachable'
      // 499 is for the event only: the client is gone, any status will do for the socket.
      const failed = errorResponse(c, status === 499 ? 502 : status, `${reason}.`, code)
      withProxyHeaders(failed.headers)
      return failed
    }
    if (!upstream.ok) return fail(upstream.status, upstream.reason)

    const headersMs = performance.now()
    const response = upstream.response
    const isSse = (response.headers.get('content-type') ?? '').includes('text/event-stream')
    if (response.ok && isSse && response.body) {
      count(response.status)
      const streamed = relayChatStream(response.body, {
        stripUsageChunk,
        cancelUpstream: upstream.cancel,
        onEnd: (summary) => {
          const status = summary.end.kind === 'done' ? response.status : summary.end.kind === 'cancelled' ? 499 : 502
          const message =
            summary.end.kind === 'cancelled' ? 'client closed the connection' : summary.end.kind === 'failed' ? summary.end.reason : null
          record({
            httpStatus: status,
            error: message === null ? null : { message, type: 'proxy_error', code: String(status) },
            completion: summary.completion,
            lastByteMs: summary.lastByteAt,
            firstTokenMs: summary.firstTokenAt,
          })
        },
      })
      reportTiming(headersMs)
      return new Response(streamed, { status: response.status, headers: withProxyHeaders(response.headers) })
    }

    // Non-streamed (or an upstream error): read it whole, answer with the very same bytes.
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
    const completion = response.ok ? completionFromChatJson(json) : EMPTY_COMPLETION
    const cost = response.ok ? deps.recorder.costOf(start, completion) : null
    const headers = withProxyHeaders(response.headers)
    if (cost) headers.set('X-Openstack-Cost-Usd', String(cost.totalUsd))
    record({
      httpStatus: response.status,
      error: response.ok ? null : upstreamError(json, response.status),
      completion,
      lastByteMs,
      firstTokenMs: null,
      cost,
    })
    reportTiming(lastByteMs)
    return new Response(bytes, { status: response.status, headers })
  }
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function parseJson(bytes: ArrayBuffer): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return null
  }
}

/** The upstream's own error message and type, from an OpenAI-format error body. */
function upstreamError(json: unknown, status: number) {
  const error = isObject(json) && isObject(json.error) ? json.error : null
  const message = typeof error?.message === 'string' ? error.message : `upstream returned HTTP ${status}`
  return {
    message,
    type: typeof error?.type === 'string' ? error.type : 'upstream_error',
    code: typeof error?.code === 'string' ? error.code : null,
  }
}
