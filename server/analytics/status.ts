import type { SpoolEntry } from './spool/types.ts'

/** What became of a batch's events. */
export type DeliveryOutcome =
  | { kind: 'delivered' }
  /** Refused for good (4xx): in the dead-letter file with this reason. */
  | { kind: 'dead-lettered'; reason: string }
  /** Not accepted this time (5xx, timeout, network): still spooled, retried with backoff. */
  | { kind: 'failed'; status: number | null; detail: string }

/** One paywall's delivery, as the admin page shows it. Counts are since this process started. */
export interface PaywallDelivery {
  delivered: number
  /** Waiting in the spool now (retries included). */
  pending: number
  deadLettered: number
  lastError: { message: string; at: string } | null
}

interface Counts {
  delivered: number
  deadLettered: number
  lastError: { message: string; at: string } | null
}

/**
 * Delivery outcomes by paywall (the event's `openstack_paywall_id`), and a way to wait for one event's
 * outcome (the admin page's test event). Memory: one entry per paywall id seen, one per awaited event.
 */
export class DeliveryStatus {
  private readonly byPaywall = new Map<string, Counts>()
  private readonly waiters = new Map<string, (outcome: DeliveryOutcome) => void>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Delivery reports every settled batch here. */
  settled(entries: readonly SpoolEntry[], outcome: DeliveryOutcome): void {
    const at = new Date(this.now()).toISOString()
    for (const entry of entries) {
      const counts = this.countsOf(paywallOf(entry))
      if (outcome.kind === 'delivered') counts.delivered++
      else {
        if (outcome.kind === 'dead-lettered') counts.deadLettered++
        counts.lastError = { message: outcome.kind === 'dead-lettered' ? outcome.reason : failureText(outcome), at }
      }
      this.waiters.get(entry.uuid)?.(outcome)
    }
  }

  /** The figures of each paywall, with `pending` counted from the spool's waiting entries (one pass). */
  report(waiting: Iterable<SpoolEntry>): (paywallId: string) => PaywallDelivery {
    const pending = new Map<string, number>()
    for (const entry of waiting) pending.set(paywallOf(entry), (pending.get(paywallOf(entry)) ?? 0) + 1)
    return (paywallId) => {
      const { delivered, deadLettered, lastError } = this.byPaywall.get(paywallId) ?? { delivered: 0, deadLettered: 0, lastError: null }
      return { delivered, pending: pending.get(paywallId) ?? 0, deadLettered, lastError }
    }
  }

  /** The first outcome of the event with this uuid, or null when none came within `timeoutMs`. */
  outcomeOf(uuid: string, timeoutMs: number): Promise<DeliveryOutcome | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(null), timeoutMs)
      // A wait nobody needs any more (the event was never spooled) must not hold a stopping process.
      ;(timer as { unref?: () => void }).unref?.()
      const finish = (outcome: DeliveryOutcome | null) => {
        clearTimeout(timer)
        this.waiters.delete(uuid)
        resolve(outcome)
      }
      this.waiters.set(uuid, finish)
    })
  }

  private countsOf(paywallId: string): Counts {
    let counts = this.byPaywall.get(paywallId)
    if (!counts) {
      counts = { delivered: 0, deadLettered: 0, lastError: null }
      this.byPaywall.set(paywallId, counts)
    }
    return counts
  }
}

/** A failure as the admin page says it: PostHog's status and answer, or why no answer came. */
export function failureText(outcome: Extract<DeliveryOutcome, { kind: 'failed' }>): string {
  return outcome.status === null ? `PostHog unreachable: ${outcome.detail}` : `PostHog answered HTTP ${outcome.status}: ${outcome.detail || '(no details)'}`
}

function paywallOf(entry: SpoolEntry): string {
  const id = entry.properties.openstack_paywall_id
  return typeof id === 'string' ? id : ''
}
