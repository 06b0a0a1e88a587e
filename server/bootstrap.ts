import type { Context, Hono } from 'hono'
import { Admin } from './admin/service.ts'
import { PostHogDelivery } from './analytics/delivery.ts'
import { DeliveryStatus } from './analytics/status.ts'
import type { PostHogTarget } from './analytics/sink.ts'
import type { Spool } from './analytics/spool/types.ts'
import { GenerationRecorder } from './analytics/recorder.ts'
import { createApp } from './app.ts'
import type { ConfigFile } from './config/file.ts'
import { LiveConfig } from './config/live.ts'
import { type Env, loadConfig } from './config/load.ts'
import type { Config } from './config/schema.ts'
import type { AppEnv } from './context.ts'
import type { Logger } from './log.ts'
import type { Transport } from './proxy/transport.ts'
import { deliveryMetrics, Metrics } from './metrics.ts'
import { Paywalls } from './paywalls.ts'
import { VERSION } from './version.ts'

export const DEFAULT_CONFIG_PATH = './openstack.config.json'
/** How long SIGTERM waits for in-flight requests and the final flush. */
export const SHUTDOWN_TIMEOUT_MS = 10_000

/** What graceful shutdown needs from a runtime's server. */
export interface ClosableServer {
  /** Stops accepting; resolves once in-flight requests have finished. */
  close(): Promise<void>
  /** Cuts whatever is still open when the timeout has passed. */
  closeAll(): void
}

export interface Proxy {
  app: Hono<AppEnv>
  config: Config
  /**
   * SIGTERM/SIGINT: stop accepting, let in-flight requests and streams finish (up to the timeout),
   * then send every pending event. Resolves when it is safe to exit; later calls do nothing.
   */
  stop(signal: string, server: ClosableServer): Promise<void>
  /** Sends every pending event (the demo and tests, which stop their own servers). */
  flush(timeoutMs: number): Promise<void>
}

export type BootstrapResult = { ok: true; proxy: Proxy } | { ok: false; errors: string[] }

/** What an entry file brings: how it writes the spool and how it calls upstreams. */
export interface RuntimeParts {
  log: Logger
  /** Opens the durable spool (SPEC §6) in `dir`, recovering what a previous run left there. */
  openSpool: (dir: string, options: { maxBytes: number }) => Promise<Spool>
  /** The spool directory of this process, when it is not `analytics.spoolDir` itself (a cluster worker's). */
  spoolDir?: string
  /** The runtime's upstream transport; `fetch` when absent. */
  transport?: Transport
  /**
   * Where the config came from: the file (null: built from the environment, then the admin page cannot
   * save), the text it held at start, and the environment its `${VAR}` references are read from.
   */
  configSource?: { file: ConfigFile | null; text: string | null; env: Env }
  /** The client's address (the admin area limits wrong tokens per address). */
  clientAddress?: (c: Context) => string | undefined
}

/** Reads the config text (null: configure from the environment) as SPEC §7 says, or the errors. */
export function readConfig(configText: string | null, env: Env, configSource: string) {
  return loadConfig(configText, env, configSource)
}

/** Everything both runtimes do the same way: paywalls, spool, analytics, app. */
export async function bootstrap(config: Config, parts: RuntimeParts): Promise<BootstrapResult> {
  const { log } = parts
  const built = Paywalls.build(config)
  if (!built.ok) return built
  const source = parts.configSource ?? { file: null, text: null, env: {} }
  const live = new LiveConfig({ config, paywalls: built.paywalls }, source.text, source.file, source.env, log)
  const metrics = new Metrics()
  const { analytics: settings } = config
  const spoolDir = parts.spoolDir ?? settings.spoolDir
  let spool: Spool
  try {
    spool = await parts.openSpool(spoolDir, { maxBytes: settings.spoolMaxBytes })
  } catch (error) {
    return { ok: false, errors: [`analytics.spoolDir: cannot open the spool in ${spoolDir}: ${error instanceof Error ? error.message : String(error)}`] }
  }
  metrics.setSpoolStats(() => spool.stats())
  const status = new DeliveryStatus()
  const analytics = new PostHogDelivery({
    spool,
    log,
    metrics: deliveryMetrics(metrics),
    flushAt: settings.flushAt,
    flushIntervalMs: settings.flushIntervalMs,
    retry: { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs },
    onSettled: (entries, outcome) => status.settled(entries, outcome),
  })
  // Clients of PostHog targets the config no longer names (a previous run's, a saved or reloaded config's
  // old ones) are shut down once their spooled events are sent.
  analytics.retain(postHogTargets(config))
  live.onChange((state) => analytics.retain(postHogTargets(state.config)))
  // Whatever a previous run left in the spool goes out now.
  analytics.resume()
  const recorder = new GenerationRecorder(analytics, metrics, log, VERSION)
  let draining = false
  const admin = {
    admin: new Admin({ live, delivery: analytics, status, log, libVersion: VERSION }),
    token: () => live.state.config.server.adminToken,
    clientAddress: parts.clientAddress,
    log,
  }
  const app = createApp({
    config,
    paywalls: () => live.state.paywalls,
    admin,
    recorder,
    metrics,
    log,
    draining: () => draining,
    transport: parts.transport,
  })
  // Another process (a cluster worker) saved the file, or someone edited it: every process applies it.
  const unwatch = live.watch()
  const flush = (timeoutMs: number) => {
    unwatch()
    return analytics.shutdown(timeoutMs)
  }
  const stop = async (signal: string, server: ClosableServer) => {
    if (draining) return
    draining = true
    log('info', 'shutting down', { signal })
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_TIMEOUT_MS))
    if (!(await Promise.race([server.close().then(() => true), timeout]))) {
      log('warn', 'requests still in flight at the shutdown timeout were cut', { timeoutMs: SHUTDOWN_TIMEOUT_MS })
      server.closeAll()
    }
    await flush(SHUTDOWN_TIMEOUT_MS)
  }
  return { ok: true, proxy: { app, config, stop, flush } }
}

function postHogTargets(config: Config): PostHogTarget[] {
  return config.paywalls.flatMap(({ posthog }) => (posthog.apiKey ? [{ host: posthog.host, apiKey: posthog.apiKey }] : []))
}
