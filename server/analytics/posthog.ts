import { PostHog } from 'posthog-node'
import type { PostHogEvent } from '../../shared/event/types.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import type { AnalyticsSink, PostHogTarget } from './sink.ts'

export interface PostHogSinkOptions {
  flushAt: number
  flushIntervalMs: number
  log: Logger
  metrics: Metrics
}

/** Sends through `posthog-node`, with one client per (host, project key) as SPEC §6 asks. */
export class PostHogSink implements AnalyticsSink {
  private readonly clients = new Map<string, PostHog>()

  constructor(private readonly options: PostHogSinkOptions) {}

  send(target: PostHogTarget, event: PostHogEvent): void {
    this.client(target).capture({
      distinctId: event.distinctId,
      event: event.event,
      properties: event.properties,
      timestamp: event.timestamp,
      uuid: event.uuid,
    })
    this.options.metrics.inc('openstack_events_total', { event: event.event })
  }

  async shutdown(timeoutMs: number): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.shutdown(timeoutMs)))
  }

  private client(target: PostHogTarget): PostHog {
    const key = `${target.host}\u0000${target.apiKey}`
    let client = this.clients.get(key)
    if (!client) {
      client = new PostHog(target.apiKey, {
        host: target.host,
        flushAt: this.options.flushAt,
        flushInterval: this.options.flushIntervalMs,
      })
      client.on('error', (error: unknown) => {
        this.options.metrics.inc('openstack_posthog_errors_total')
        // posthog-node's errors name the host and status, not the key.
        this.options.log('error', 'posthog delivery failed', { host: target.host, error: String(error) })
      })
      this.clients.set(key, client)
    }
    return client
  }
}
