import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { undiciTransport } from './adapters/undici-transport.ts'
import { bootstrap, DEFAULT_CONFIG_PATH } from './bootstrap.ts'
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

const started = bootstrap(readConfig(), process.env, configPath, log, undiciTransport())
if (!started.ok) {
  log('error', 'invalid configuration', { path: configPath, errors: started.errors })
  process.exit(1)
}
const { app, config } = started.proxy

// serve() gives an http.Server for plain HTTP, which shutdown needs for closing connections.
const server = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.hostname }, (info) => {
  log('info', 'listening', { url: `http://${info.address}:${info.port}`, runtime: 'node' })
}) as Server

const closable = {
  close: () =>
    new Promise<void>((resolve) => {
      // Connections that finish their request go idle in keep-alive: close them as soon as they do.
      const closeIdle = setInterval(() => server.closeIdleConnections(), 50)
      server.close(() => {
        clearInterval(closeIdle)
        resolve()
      })
      server.closeIdleConnections()
    }),
  closeAll: () => server.closeAllConnections(),
}
const stop = (signal: string) => void started.proxy.stop(signal, closable).then(() => process.exit(0))
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))
