/// <reference lib="deno.ns" />
import { bootstrap, DEFAULT_CONFIG_PATH, SHUTDOWN_TIMEOUT_MS } from './bootstrap.ts'
import { jsonLogger } from './log.ts'

const log = jsonLogger()
const configPath = Deno.env.get('OPENSTACK_CONFIG') || DEFAULT_CONFIG_PATH

function readConfig(): string | null {
  try {
    return Deno.readTextFileSync(configPath)
  } catch (error) {
    // Without OPENSTACK_CONFIG, a missing default file means "configure from the environment".
    if (error instanceof Deno.errors.NotFound && !Deno.env.get('OPENSTACK_CONFIG')) return null
    log('error', 'cannot read the config file', { path: configPath, error: (error as Error).message })
    Deno.exit(1)
  }
}

const started = bootstrap(readConfig(), Deno.env.toObject(), configPath, log)
if (!started.ok) {
  log('error', 'invalid configuration', { path: configPath, errors: started.errors })
  Deno.exit(1)
}
const { app, config, drain, flush } = started.proxy

const server = Deno.serve(
  {
    port: config.server.port,
    hostname: config.server.hostname,
    onListen: ({ hostname, port }) => log('info', 'listening', { url: `http://${hostname}:${port}`, runtime: 'deno' }),
  },
  app.fetch,
)

let stopping = false
/** Stop accepting, let in-flight requests finish (up to the timeout), then send every pending event. */
async function stop(signal: string) {
  if (stopping) return
  stopping = true
  log('info', 'shutting down', { signal })
  drain()
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_TIMEOUT_MS))
  const finished = await Promise.race([server.shutdown().then(() => true), timeout])
  if (!finished) log('warn', 'requests still in flight at the shutdown timeout were cut', { timeoutMs: SHUTDOWN_TIMEOUT_MS })
  await flush(SHUTDOWN_TIMEOUT_MS)
  Deno.exit(0)
}
Deno.addSignalListener('SIGTERM', () => void stop('SIGTERM'))
Deno.addSignalListener('SIGINT', () => void stop('SIGINT'))
