import type { PostHogEvent } from '../../shared/event/types.ts'

/** Where a paywall's events go. */
export interface PostHogTarget {
  host: string
  apiKey: string
}

/** The seam between the proxy and delivery. */
export interface AnalyticsSink {
  /**
   * Takes the event; never throws. Resolves (never rejects) once it is safe from a crash of this process,
   * or was refused: the proxy waits for it before its response's last byte.
   */
  send(target: PostHogTarget, event: PostHogEvent): Promise<void>
  /** Flushes everything pending; called on SIGTERM/SIGINT. */
  shutdown(timeoutMs: number): Promise<void>
}
