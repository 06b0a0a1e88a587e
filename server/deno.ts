/// <reference lib="deno.ns" />
import { bootstrap, DEFAULT_CONFIG_PATH } from './bootstrap.ts'
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
const { app, config } = started.proxy

const server = Deno.serve(
  {
    port: config.server.port,
    hostname: config.server.hostname,
    reusePort: config.server.reusePort,
    onListen: ({ hostname, port }) => log('info', 'listening', { url: `http://${hostname}:${port}`, runtime: 'deno' }),
  },
  app.fetch,
)

// Deno.serve's shutdown is graceful; exiting is what cuts a request past the timeout.
const closable = { close: () => server.shutdown(), closeAll: () => {} }
const stop = (signal: string) => void started.proxy.stop(signal, closable).then(() => Deno.exit(0))
Deno.addSignalListener('SIGTERM', () => stop('SIGTERM'))
Deno.addSignalListener('SIGINT', () => stop('SIGINT'))
