/// <reference lib="deno.ns" />
import { diskConfigFile } from './adapters/config-file.ts'
import { openFileSpool } from './analytics/spool/file-spool.ts'
import { bootstrap, DEFAULT_CONFIG_PATH, readConfig } from './bootstrap.ts'
import { jsonLogger } from './log.ts'

const log = jsonLogger()
const configPath = Deno.env.get('OPENSTACK_CONFIG') || DEFAULT_CONFIG_PATH

function readConfigText(): string | null {
  try {
    return Deno.readTextFileSync(configPath)
  } catch (error) {
    // Without OPENSTACK_CONFIG, a missing default file means "configure from the environment".
    if (error instanceof Deno.errors.NotFound && !Deno.env.get('OPENSTACK_CONFIG')) return null
    log('error', 'cannot read the config file', { path: configPath, error: (error as Error).message })
    Deno.exit(1)
  }
}

const configText = readConfigText()
const env = Deno.env.toObject()
const loaded = readConfig(configText, env, configPath)
if (!loaded.ok) {
  log('error', 'invalid configuration', { path: configPath, errors: loaded.errors })
  Deno.exit(1)
}
// With server.reusePort, each process needs a spoolDir of its own: the spool's lock refuses a shared one.
const started = await bootstrap(loaded.config, {
  log,
  openSpool: openFileSpool,
  // Every process watches the file (server.reusePort runs several), so a save made through one applies in all.
  configSource: { file: configText === null ? null : diskConfigFile(configPath), text: configText, env },
  clientAddress: (c) => (c.env as Deno.ServeHandlerInfo<Deno.NetAddr>).remoteAddr.hostname,
})
if (!started.ok) {
  log('error', 'cannot start', { errors: started.errors })
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
