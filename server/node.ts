import { readFileSync } from 'node:fs'
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
const { app, config, flush } = started.proxy

const server = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.hostname }, (info) => {
  log('info', 'listening', { url: `http://${info.address}:${info.port}`, runtime: 'node' })
})

let stopping = false
async function stop(signal: string) {
  if (stopping) return
  stopping = true
  log('info', 'shutting down', { signal })
  const forced = setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS + 2000)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await flush(SHUTDOWN_TIMEOUT_MS)
  clearTimeout(forced)
  process.exit(0)
}
process.on('SIGTERM', () => void stop('SIGTERM'))
process.on('SIGINT', () => void stop('SIGINT'))
