import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { setMetric, timing } from 'hono/timing'
import { type AdminOptions, adminRoutes } from './admin/routes.ts'
import type { GenerationRecorder } from './analytics/recorder.ts'
import type { Config } from './config/schema.ts'
import type { AppEnv } from './context.ts'
import { errorResponse, speaks } from './errors.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import { limitBody } from './middleware/body-limit.ts'
import { clientAuth } from './middleware/client-auth.ts'
import type { Paywalls } from './paywalls.ts'
import { chatCompletions } from './routes/chat-completions.ts'
import { embeddings } from './routes/embeddings.ts'
import { generateContent } from './routes/gemini.ts'
import { messages } from './routes/messages.ts'
import { responses } from './routes/responses.ts'
import { fetchTransport, type Transport } from './proxy/transport.ts'
import { healthRoutes } from './routes/health.ts'
import { listModels } from './routes/models.ts'

export interface AppOptions {
  /** The config the app started with: its server settings (body limit, upstream timeout). */
  config: Config
  /** The paywalls in force, read by each request as it starts (they change when the config is saved). */
  paywalls: () => Paywalls
  /** The admin area at /admin; without it, /admin is an unknown route. */
  admin?: AdminOptions
  recorder: GenerationRecorder
  metrics: Metrics
  log: Logger
  /** True once shutdown began: answers then close their connection so keep-alive clients let go. */
  draining: () => boolean
  /** Upstream transport; `fetch` unless the runtime's adapter brings a faster one. */
  transport?: Transport
}

/** First path segments that are routes of their own, never a `/{user}/` prefix (SPEC §2). */
const RESERVED_SEGMENTS = new Set(['v1', 'v1beta', 'admin', 'healthz', 'readyz', 'metrics'])

/** The proxy as a runtime-neutral Hono app: the Node and Deno entry files only serve it. */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const { config, metrics, log, recorder } = options
  const transport = options.transport ?? fetchTransport()

  const relay = { recorder, metrics, transport, upstreamTimeoutMs: config.server.upstreamTimeoutMs }
  const bodyLimit = limitBody(config.server.maxBodyBytes)

  const v1 = new Hono<AppEnv>()
  // Errors in the format of the API called (SPEC §2), from authentication on.
  v1.use('/messages', speaks('anthropic'))
  v1.use(clientAuth(options.paywalls))
  v1.post('/chat/completions', bodyLimit, chatCompletions(relay))
  v1.post('/responses', bodyLimit, responses(relay))
  v1.post('/embeddings', bodyLimit, embeddings(relay))
  v1.post('/messages', bodyLimit, messages(relay))
  v1.get('/models', listModels({ log }))

  const v1beta = new Hono<AppEnv>()
  v1beta.use(speaks('gemini'))
  v1beta.use(clientAuth(options.paywalls))
  v1beta.post('/models/:modelAction', bodyLimit, generateContent(relay))

  const app = new Hono<AppEnv>()
  app.use(requestId({ headerName: 'X-Openstack-Request-Id' }))
  app.use(timing({ total: false, autoEnd: false }))
  app.use(async (c, next) => {
    const startedMs = performance.now()
    await next()
    // Set on c.res itself: handlers that relay an upstream Response bypass c.header().
    c.res.headers.set('X-Openstack-Request-Id', c.get('requestId'))
    const traceId = c.get('traceId')
    if (traceId) c.res.headers.set('X-Openstack-Trace-Id', traceId)
    if (options.draining()) c.res.headers.set('Connection', 'close')
    // Responses the proxy made itself: all of their time is the proxy's.
    if (!c.get('metric')?.headers.some((h) => h.startsWith('proxy;'))) {
      setMetric(c, 'proxy', performance.now() - startedMs, 'OpenStack proxy overhead')
    }
  })
  app.route('/', healthRoutes(() => !options.draining()))
  app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }))
  if (options.admin) app.route('/admin', adminRoutes(options.admin))
  app.route('/v1', v1)
  app.route('/v1beta', v1beta)
  app.use('/:user/*', async (c, next) => {
    if (RESERVED_SEGMENTS.has(c.req.param('user'))) return c.notFound()
    await next()
  })
  app.route('/:user/v1', v1)
  app.route('/:user/v1beta', v1beta)
  app.notFound((c) => errorResponse(c, 404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`, 'not_found'))
  app.onError((error, c) => {
    log('error', 'unhandled error', { requestId: c.get('requestId'), error: error instanceof Error ? error.message : String(error) })
    return errorResponse(c, 500, 'The proxy failed to handle this request.', 'internal_error')
  })
  return app
}
