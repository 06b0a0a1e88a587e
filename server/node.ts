import cluster from 'node:cluster'
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { diskConfigFile } from './adapters/config-file.ts'
import { undiciTransport } from './adapters/undici-transport.ts'
import { join } from 'node:path'
import { openFileSpool } from './analytics/spool/file-spool.ts'
import { bootstrap, DEFAULT_CONFIG_PATH, readConfig } from './bootstrap.ts'
import { jsonLogger } from './log.ts'

const log = jsonLogger()
const configPath = process.env.OPENSTACK_CONFIG || DEFAULT_CONFIG_PATH

function readConfigText(): string | null {
  try {
    return readFileSync(configPath, 'utf8')
  } catch (error) {
    // Without OPENSTACK_CONFIG, a missing default file means "configure from the environment".
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !process.env.OPENSTACK_CONFIG) return null
    log('error', 'cannot read the config file', { path: configPath, error: (error as Error).message })
    process.exit(1)
  }
}

const configText = readConfigText()
const loaded = readConfig(configText, process.env, configPath)
if (!loaded.ok) {
  log('error', 'invalid configuration', { path: configPath, errors: loaded.errors })
  process.exit(1)
}
const { config } = loaded

if (cluster.isPrimary && config.server.workers > 1) superviseWorkers(config.server.workers)
else await serveHere()

/** One process serving the port: the app on @hono/node-server, with graceful shutdown. */
async function serveHere() {
  // Each cluster worker has a spool of its own: a spool is never shared between processes.
  const worker = process.env.OPENSTACK_WORKER_INDEX
  const spoolDir = cluster.isWorker && worker !== undefined ? join(config.analytics.spoolDir, `worker-${worker}`) : undefined
  const started = await bootstrap(config, {
    log,
    openSpool: openFileSpool,
    spoolDir,
    transport: undiciTransport(),
    // Every worker watches the file, so a save made through one of them applies in all.
    configSource: { file: configText === null ? null : diskConfigFile(configPath), text: configText, env: process.env },
    clientAddress: (c) => getConnInfo(c).remote.address,
  })
  if (!started.ok) {
    log('error', 'cannot start', { errors: started.errors })
    process.exit(1)
  }
  const proxy = started.proxy
  const { app } = proxy
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
 * with its own PostHog clients and spool (`worker-N` under spoolDir). A worker that dies is replaced
 * by one with the same N, which sends what the dead one spooled; SIGTERM/SIGINT reach every worker,
 * and the primary exits once they all have, with the worst exit code. The primary serves nothing.
 */
function superviseWorkers(count: number) {
  let stopping = false
  let exitCode = 0
  const indexOf = new Map<number, number>()
  const fork = (index: number) => indexOf.set(cluster.fork({ OPENSTACK_WORKER_INDEX: String(index) }).id, index)
  for (let i = 0; i < count; i++) fork(i)
  cluster.on('exit', (worker, code, signal) => {
    const index = indexOf.get(worker.id) ?? 0
    indexOf.delete(worker.id)
    if (!stopping) {
      log('error', 'worker died, starting another', { pid: worker.process.pid, code, signal, worker: index })
      fork(index)
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
