import { type Context, Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'
import type { Logger } from '../log.ts'
import { adminApi } from './api.ts'
import { adminPages } from './pages.tsx'
import { FailureLimit } from './rate-limit.ts'
import type { Admin } from './service.ts'

export interface AdminOptions {
  admin: Admin
  /** The admin token in force (`server.adminToken`); the admin area answers 404 while there is none. */
  token: () => string | undefined
  /** The client's address, for the limit on wrong tokens; undefined where the runtime gives none. */
  clientAddress?: (c: Context) => string | undefined
  log: Logger
  now?: () => number
}

/** What the API and the pages get: the token known to be set, one failure limit for both. */
export interface AdminHttpOptions {
  admin: Admin
  token: () => string
  clientAddress: (c: Context) => string
  limit: FailureLimit
  now: () => number
}

/** Wrong tokens: 10 per address per 15 minutes, across sign-in and API; 10,000 addresses tracked at most. */
const LIMIT = { maxFailures: 10, windowMs: 15 * 60_000, maxTracked: 10_000 }

/** `/admin`: the pages (session cookie) and `/admin/api` (Bearer token); 404 without `server.adminToken`. */
export function adminRoutes(options: AdminOptions): Hono<AppEnv> {
  const now = options.now ?? Date.now
  const http: AdminHttpOptions = {
    admin: options.admin,
    token: () => options.token() ?? '',
    clientAddress: (c) => options.clientAddress?.(c) ?? 'unknown',
    limit: new FailureLimit({ ...LIMIT, now }),
    now,
  }
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    if (!options.token()) {
      return errorResponse(c, 404, 'The admin area is off: set server.adminToken in the config file to turn it on.', 'admin_disabled')
    }
    await next()
    // Pages and API answers hold settings: never kept by a cache.
    c.res.headers.set('Cache-Control', 'no-store')
  })
  app.route('/api', adminApi(http))
  app.route('/', adminPages(http))
  app.onError((error, c) => {
    // Hono's csrf middleware refuses by throwing: its 403 as it is.
    if (error instanceof HTTPException) return error.getResponse()
    options.log('error', 'admin: unhandled error', { requestId: c.get('requestId'), error: error instanceof Error ? error.message : String(error) })
    return errorResponse(c, 500, 'The admin area failed to handle this request.', 'internal_error')
  })
  return app
}
