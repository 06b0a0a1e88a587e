import type { Context } from 'hono'
import { resolveRoute } from '../../shared/providers/routing.ts'
import type { ConfiguredProvider, UpstreamApi } from '../../shared/providers/types.ts'
import { readRequestMeta, type RequestMeta } from '../../shared/request-meta/index.ts'
import type { Json, JsonObject } from '../../shared/types.ts'
import { resolveUserId, type UserIdCandidates } from '../../shared/user-id/index.ts'
import { uuidv7 } from 'uuidv7'
import type { AnalyticsDecision, GenerationRecorder, GenerationStart } from '../analytics/recorder.ts'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'
import type { Metrics } from '../metrics.ts'

export type ParsedBody = { ok: true; body: JsonObject; text: string } | { ok: false; response: Response }

/** SPEC §2 body checks after auth and size: malformed JSON, content type, not an object. */
export async function parseJsonBody(c: Context<AppEnv>): Promise<ParsedBody> {
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
  return { ok: true, body: body as JsonObject, text }
}

/** A request that passed every check and has somewhere to go. */
export interface Begun {
  startedAt: Date
  startedMs: number
  meta: RequestMeta
  userId: string | null
  provider: ConfiguredProvider
  /** Model id for the upstream (any `provider/` prefix stripped). */
  model: string
  decision: AnalyticsDecision
  /** Adds the proxy's own headers to any answer from here on. */
  withProxyHeaders: (headers: Headers) => Headers
}

export interface BeginOptions {
  recorder: GenerationRecorder
  metrics: Metrics
  startedMs: number
  startedAt: Date
  /** The model as the client named it. */
  model: string
  /** The user id candidates in the body; the header and path prefix are read here. */
  user: Pick<UserIdCandidates, 'bodyUser' | 'bodyMetadataUserId'>
  /** Wire formats this route can send upstream; a route to another one is refused. */
  upstreamApis: readonly UpstreamApi[]
  /** The API's name in the refusal, e.g. "The Messages API". */
  apiName: string
}

export type BeginResult = { ok: true; begun: Begun } | { ok: false; response: Response }

/** Trace headers, user id (SPEC §2) and route (SPEC §3), shared by every generation route. */
export function beginGeneration(c: Context<AppEnv>, options: BeginOptions): BeginResult {
  const paywall = c.get('paywall')
  const fail = (status: 400, message: string, code: string): BeginResult => ({ ok: false, response: errorResponse(c, status, message, code) })

  const metaResult = readRequestMeta(c.req.raw.headers, () => crypto.randomUUID())
  if (!metaResult.ok) return fail(400, metaResult.message, 'invalid_header')
  const meta = metaResult.meta
  c.set('traceId', meta.traceId)

  const user = resolveUserId({ ...options.user, header: c.req.header('x-openstack-user'), pathUser: c.req.param('user') })
  if (!user.ok) return fail(400, user.message, 'invalid_user')
  if (user.userId === null && paywall.config.requireUser) {
    const message = 'This paywall requires a user id: send body "user", header X-Openstack-User, or the /{user}/v1 path prefix.'
    return fail(400, message, 'missing_user')
  }

  const routed = resolveRoute(options.model, paywall.providers, paywall.config.defaultProvider ?? null)
  if (!routed.ok) return fail(400, routed.message, 'model_not_routable')
  const { provider, model } = routed.route
  if (!options.upstreamApis.includes(provider.definition.api)) {
    const message = `${options.apiName} cannot reach model "${options.model}": it routes to provider "${provider.name}", which speaks the ${provider.definition.api} API.`
    return fail(400, message, 'provider_not_supported')
  }

  const decision = options.recorder.decide(paywall, user.userId)
  if (decision === 'missing-user') options.metrics.eventsDropped.inc({ reason: 'missing-user' })
  const withProxyHeaders = (headers: Headers) => {
    if (decision === 'missing-user') headers.set('X-Openstack-Analytics', 'dropped; reason=missing-user')
    return headers
  }
  return {
    ok: true,
    begun: { startedAt: options.startedAt, startedMs: options.startedMs, meta, userId: user.userId, provider, model, decision, withProxyHeaders },
  }
}

/** What a route knows of its request for the event, beyond what `beginGeneration` found. */
export interface StartFields {
  eventName: GenerationStart['eventName']
  requestUrl: string
  input: Json
  tools: Json[] | null
  modelParameters: JsonObject
  stream: boolean
}

/** The event's start, fixed before the upstream is called (its uuid is the event's, reused on retries). */
export function generationStart(c: Context<AppEnv>, begun: Begun, fields: StartFields): GenerationStart {
  return {
    ...fields,
    paywall: c.get('paywall'),
    provider: begun.provider,
    model: begun.model,
    userId: begun.userId,
    meta: begun.meta,
    requestId: c.get('requestId'),
    uuid: uuidv7(),
    startedAt: begun.startedAt,
    startedMs: begun.startedMs,
  }
}

export interface JsonGenerationSpec {
  /** A model id for the error that says one is missing, e.g. `"gpt-4o-mini"`. */
  modelExample: string
  /** The user id candidates in the body (SPEC §2). */
  user: (body: JsonObject) => BeginOptions['user']
  upstreamApis: BeginOptions['upstreamApis']
  apiName: string
}

export type JsonGeneration = { ok: true; body: JsonObject; text: string; begun: Begun } | { ok: false; response: Response }

/** The first steps of every route whose body is JSON with a `model`: parse, check, then `beginGeneration`. */
export async function beginJsonGeneration(
  c: Context<AppEnv>,
  deps: Pick<BeginOptions, 'recorder' | 'metrics'>,
  spec: JsonGenerationSpec,
): Promise<JsonGeneration> {
  const startedMs = performance.now()
  const startedAt = new Date()
  const parsed = await parseJsonBody(c)
  if (!parsed.ok) return parsed
  const { body } = parsed
  const model = body.model
  if (typeof model !== 'string' || model.trim() === '') {
    const message = `Missing required parameter: "model" (a model id such as ${spec.modelExample}).`
    return { ok: false, response: errorResponse(c, 400, message, 'missing_model') }
  }
  const began = beginGeneration(c, {
    recorder: deps.recorder,
    metrics: deps.metrics,
    startedMs,
    startedAt,
    model,
    user: spec.user(body),
    upstreamApis: spec.upstreamApis,
    apiName: spec.apiName,
  })
  if (!began.ok) return began
  return { ok: true, body, text: parsed.text, begun: began.begun }
}
