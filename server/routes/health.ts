import { Hono } from 'hono'

/** Liveness and readiness. Readiness means the config is loaded; a spool check joins it later. */
export function healthRoutes(isReady: () => boolean): Hono {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', (c) => (isReady() ? c.json({ status: 'ready' }) : c.json({ status: 'not ready' }, 503)))
}
