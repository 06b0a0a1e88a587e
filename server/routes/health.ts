import { Hono } from 'hono'

/**
 * Liveness and readiness. Ready means the config is loaded and the process is not shutting down, so a
 * load balancer stops sending it traffic during a rolling deploy; a spool check joins it later.
 */
export function healthRoutes(isReady: () => boolean): Hono {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', (c) => (isReady() ? c.json({ status: 'ready' }) : c.json({ status: 'not ready' }, 503)))
}
