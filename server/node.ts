import cluster from 'node:cluster'
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
const proxy = started.proxy
const { app, config } = proxy

if (cluster.isPrimary && config.server.workers > 1) superviseWorkers(config.server.workers)
else serveHere()

/** One process serving the port: the app on @hono/node-server, with graceful shutdown. */
function serveHere() {
  // serve() gives an http.Server for plain HTTP, which shutdown needs for closing connections.
  const server = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.hostname }, (info) => {
    log('info', 'listening', { url: `http://${info.address}:${info.port}`, runtime: 'node', pid: process.pid })
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
  const stop = (signal: string) => void proxy.stop(signal, closable).then(() => process.exit(0))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

/**
 * server.workers > 1: node:cluster shares the port between that many processes, each a full proxy
 * with its own PostHog clients. A worker that dies is replaced; SIGTERM/SIGINT reach every worker,
 * and the primary exits once they all have, with the worst exit code.
 */
function superviseWorkers(count: number) {
  let stopping = false
  let exitCode = 0
  for (let i = 0; i < count; i++) cluster.fork()
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      log('error', 'worker died, starting another', { pid: worker.process.pid, code, signal })
      cluster.fork()
      return
    }
    exitCode = Math.max(exitCode, code ?? 1)
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode)
  })
  const stop = (signal: NodeJS.Signals) => {
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal)
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
