/** The JSON admin API (`/admin/api/…`), with `Authorization: Bearer <admin token>`. */
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { AppEnv } from '../context.ts'
import { openAIErrorBody } from '../errors.ts'
import type { ConfigIssue } from '../config/load.ts'
import { limitBody } from '../middleware/body-limit.ts'
import { bearerToken, tokenMatches } from './auth.ts'
import type { AdminHttpOptions } from './routes.ts'
import type { AnalyticsChange } from './settings.ts'

/** Analytics settings are a few hundred bytes. */
export const ADMIN_BODY_BYTES = 64 * 1024

export function adminApi(options: AdminHttpOptions): Hono<AppEnv> {
  const { admin, limit } = options
  const api = new Hono<AppEnv>()
  const fail = (status: ContentfulStatusCode, message: string, code: string, issues?: ConfigIssue[]) =>
    ({ ...openAIErrorBody(status, message, code), ...(issues ? { issues } : {}) })

  api.use(async (c, next) => {
    const address = options.clientAddress(c)
    const wait = limit.retryAfter(address)
    if (wait > 0) {
      return c.json(fail(429, `Too many wrong admin tokens from this address: try again in ${wait} s.`, 'rate_limited'), 429, { 'Retry-After': String(wait) })
    }
    const given = bearerToken(c.req.header('authorization'))
    if (!given || !(await tokenMatches(given, options.token()))) {
      if (given) limit.fail(address)
      return c.json(fail(401, 'Send the admin token (server.adminToken) as "Authorization: Bearer <token>".', 'invalid_admin_token'), 401, {
        'WWW-Authenticate': 'Bearer',
      })
    }
    limit.succeed(address)
    await next()
  })

  api.get('/paywalls', (c) => c.json({ paywalls: admin.list() }))

  api.get('/paywalls/:id', (c) => {
    const paywall = admin.get(c.req.param('id'))
    return paywall ? c.json(paywall) : c.json(fail(404, `No paywall "${c.req.param('id')}".`, 'not_found'), 404)
  })

  api.put('/paywalls/:id', limitBody(ADMIN_BODY_BYTES), async (c) => {
    let change: AnalyticsChange
    try {
      change = await c.req.json()
    } catch {
      return c.json(fail(400, 'The body must be JSON like {"posthog":{"enabled":true,"apiKey":"phc_…","projectId":"12345"}}.', 'invalid_json'), 400)
    }
    const saved = await admin.save(c.req.param('id'), change)
    if (saved.ok) return c.json(saved.paywall)
    return c.json(fail(saved.status, saved.message, saved.status === 400 ? 'invalid_settings' : 'not_saved', saved.issues), saved.status)
  })

  api.post('/paywalls/:id/test-event', async (c) => {
    const outcome = await admin.sendTestEvent(c.req.param('id'))
    if (outcome.delivered) return c.json({ delivered: true, uuid: outcome.uuid })
    return c.json({ delivered: false, uuid: outcome.uuid, ...fail(outcome.status, outcome.error, 'test_event_failed') }, outcome.status)
  })

  return api
}
