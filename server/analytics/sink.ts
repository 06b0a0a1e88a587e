import type { PostHogEvent } from '../../shared/event/types.ts'

/** Where a paywall's events go. */
export interface PostHogTarget {
  host: string
  apiKey: string
}

/**
 * The seam between the proxy and delivery. `send` never throws and never waits: it is called after
 * the response has ended. A durable spool can wrap or replace the PostHog-backed one.
 */
export interface AnalyticsSink {
  send(target: PostHogTarget, event: PostHogEvent): void
  /** Flushes everything pending; called on SIGTERM/SIGINT. */
  shutdown(timeoutMs: number): Promise<void>
}
