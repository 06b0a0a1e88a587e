import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { serve } from '@hono/node-server'
import { bootstrap, DEFAULT_CONFIG_PATH, SHUTDOWN_TIMEOUT_MS } from './bootstrap.ts'
import { jsonLogger } from './log.ts'

const log = jsonLogger()
const configPath = process.env.OPENSTACK_CONFIG || DEFAULT_CONFIG_PATH

function readConfig(): string | null {
  try {
    return readFileSync(configPath, 'utf8')
  } catch (error) {
    // Without OPENSTACK_CONFIG, a missing default file means "configure from the environment".
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !process.env.OPENSTACK_CONFIG) return null
    log('error', 'cannot read the config file', { path: configPath, error: (error as Error).message })
    process.exit(1)
  }
}

const started = bootstrap(readConfig(), process.env, configPath, log)
if (!started.ok) {
  log('error', 'invalid configuration', { path: configPath, errors: started.errors })
  process.exit(1)
}
const { app, config, drain, flush } = started.proxy

// serve() gives an http.Server for plain HTTP, which shutdown needs for closing connections.
const server = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.hostname }, (info) => {
  log('info', 'listening', { url: `http://${info.address}:${info.port}`, runtime: 'node' })
}) as Server

let stopping = false
/** Stop accepting, let in-flight requests finish (up to the timeout), then send every pending event. */
async function stop(signal: string) {
  if (stopping) return
  stopping = true
  log('info', 'shutting down', { signal })
  drain()
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // Connections that finish their request go idle in keep-alive; close them as soon as they do.
  const closeIdle = setInterval(() => server.closeIdleConnections(), 50)
  server.closeIdleConnections()
  const finished = await Promise.race([closed.then(() => true), delay(SHUTDOWN_TIMEOUT_MS).then(() => false)])
  clearInterval(closeIdle)
  if (!finished) {
    log('warn', 'requests still in flight at the shutdown timeout were cut', { timeoutMs: SHUTDOWN_TIMEOUT_MS })
    server.closeAllConnections()
  }
  await flush(SHUTDOWN_TIMEOUT_MS)
  process.exit(0)
}
process.on('SIGTERM', () => void stop('SIGTERM'))
process.on('SIGINT', () => void stop('SIGINT'))
