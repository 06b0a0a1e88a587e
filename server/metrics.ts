/**
 * The proxy's metrics, rendered as Prometheus text at `/metrics` by prom-client (which runs unchanged on
 * Node and on Deno's npm compatibility).
 *
 * Each `Metrics` owns its registry (never prom-client's global one), so several apps in one process (the
 * tests) count apart. Label values come from config (route, provider id), upstream model ids and fixed
 * reason codes, never from secrets or error texts. prom-client's default process metrics are left out:
 * on Deno several of them are missing or wrong (no GC histogram, a made-up Node version, event loop lag
 * measured differently), and each call of `collectDefaultMetrics` adds observers to the process.
 */
import client from 'prom-client'

/** Why a request produced no analytics event, or its event could not be kept. */
export type DropReason = 'missing-user' | 'spool-full' | 'spool-error'
/** Why PostHog refused an event for good (HTTP 400, 401/403, 413, any other 4xx). */
export type DeadLetterReason = 'bad-request' | 'unauthorized' | 'too-large' | 'refused'

const DROP_REASONS: readonly DropReason[] = ['missing-user', 'spool-full', 'spool-error']
const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = ['bad-request', 'unauthorized', 'too-large', 'refused']

/** Request latency buckets, in seconds: a cached answer in milliseconds up to a long stream of two minutes. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120]

/** A counter whose every sample names all its labels (prom-client's own type lets some be left out). */
export interface LabelledCounter<L extends string, V extends string = string> {
  inc(labels: Readonly<Record<L, V>>, value?: number): void
}
export interface PlainCounter {
  inc(value?: number): void
}
export interface LabelledHistogram<L extends string> {
  observe(labels: Readonly<Record<L, string>>, seconds: number): void
}

/** What the spool reports at each scrape (the spool's `stats()` fits as is). */
export interface SpoolGaugeStats {
  depth: number
  bytes: number
  /** null when nothing waits. */
  oldestAgeSeconds: number | null
}

export class Metrics {
  private readonly registry = new client.Registry()
  private spoolStats: (() => SpoolGaugeStats) | null = null

  /** Proxied generation requests, counted when the answer's status is known (a stream's, at its headers). */
  readonly requests: LabelledCounter<'route' | 'provider' | 'status'> = this.counter(
    'openstack_requests_total',
    'Proxied requests by route, provider and status.',
    ['route', 'provider', 'status'],
  )
  /**
   * Seconds from the request's arrival to the upstream's last byte (the end of the stream for a stream):
   * the same span as the event's `$ai_latency`. Failures the proxy answers itself end when it answers.
   */
  readonly requestDuration: LabelledHistogram<'route' | 'provider'> = new client.Histogram({
    name: 'openstack_request_duration_seconds',
    help: "Seconds from a request's arrival to the upstream's last byte (the end of a stream), by route and provider.",
    labelNames: ['route', 'provider'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  })
  readonly eventsSpooled: PlainCounter = this.counter('openstack_events_spooled_total', 'Analytics events written to the spool.')
  readonly eventsDelivered: PlainCounter = this.counter(
    'openstack_events_delivered_total',
    'Spooled events PostHog accepted, removed from the spool.',
  )
  readonly eventsRetried: PlainCounter = this.counter(
    'openstack_events_retried_total',
    'Spooled events sent again after a failed delivery.',
  )
  readonly eventsDeadLettered: LabelledCounter<'reason', DeadLetterReason> = this.counter(
    'openstack_events_dead_lettered_total',
    'Spooled events moved to the dead-letter file, by reason.',
    ['reason'],
  )
  readonly eventsDropped: LabelledCounter<'reason', DropReason> = this.counter(
    'openstack_events_dropped_total',
    'Requests that produced no analytics event, or events refused by a full spool, by reason.',
    ['reason'],
  )
  readonly unknownPrice: LabelledCounter<'provider' | 'model'> = this.counter(
    'openstack_unknown_price_total',
    'Requests whose model has no known price.',
    ['provider', 'model'],
  )
  readonly posthogErrors: PlainCounter = this.counter('openstack_posthog_errors_total', 'Errors reported by the PostHog client.')

  private readonly spoolDepth = this.gauge('openstack_spool_depth', 'Events waiting in the spool for PostHog.')
  private readonly spoolBytes = this.gauge('openstack_spool_bytes', 'Bytes the waiting events take in the spool.')
  private readonly spoolOldestAge = this.gauge(
    'openstack_spool_oldest_age_seconds',
    'Age of the oldest event waiting in the spool, in seconds; 0 when none waits.',
  )

  /** The content type of `render()`'s text. */
  readonly contentType: string = this.registry.contentType

  constructor() {
    // Reasons are a closed set: show each at 0 before the first, so rate() and alerts see them.
    for (const reason of DROP_REASONS) this.eventsDropped.inc({ reason }, 0)
    for (const reason of DEAD_LETTER_REASONS) this.eventsDeadLettered.inc({ reason }, 0)
  }

  /**
   * Where the spool gauges are read from, once per scrape: nothing is updated per request. Without it
   * (no spool) they read 0.
   */
  setSpoolStats(stats: (() => SpoolGaugeStats) | null): void {
    this.spoolStats = stats
  }

  /** Prometheus text format 0.0.4; serve it with `contentType`. */
  async render(): Promise<string> {
    const stats = this.readSpoolStats()
    this.spoolDepth.set(stats.depth)
    this.spoolBytes.set(stats.bytes)
    this.spoolOldestAge.set(stats.oldestAgeSeconds ?? 0)
    return this.registry.metrics()
  }

  /** The current value of one counter or gauge sample (for tests); 0 when the sample does not exist. */
  async value(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = this.registry.getSingleMetric(name)
    if (!metric) throw new Error(`no metric named ${name}`)
    const { values } = await metric.get()
    const wanted = Object.entries(labels)
    const sample = values.find(
      (v) => Object.keys(v.labels).length === wanted.length && wanted.every(([k, x]) => String(v.labels[k]) === x),
    )
    return sample?.value ?? 0
  }

  private readSpoolStats(): SpoolGaugeStats {
    if (!this.spoolStats) return { depth: 0, bytes: 0, oldestAgeSeconds: null }
    try {
      return this.spoolStats()
    } catch {
      // A scrape must not fail because the spool could not answer: show it as unknown.
      return { depth: Number.NaN, bytes: Number.NaN, oldestAgeSeconds: Number.NaN }
    }
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): client.Counter<L> {
    return new client.Counter({ name, help, labelNames, registers: [this.registry] })
  }

  private gauge(name: string, help: string): client.Gauge {
    return new client.Gauge({ name, help, registers: [this.registry] })
  }
}

/** The counters of the spooled delivery, in the shape `analytics/delivery.ts` asks for. */
export function deliveryMetrics(metrics: Metrics) {
  return {
    spooled: (count: number) => metrics.eventsSpooled.inc(count),
    delivered: (count: number) => metrics.eventsDelivered.inc(count),
    retried: (count: number) => metrics.eventsRetried.inc(count),
    deadLettered: (count: number, reason: DeadLetterReason) => metrics.eventsDeadLettered.inc({ reason }, count),
    dropped: (count: number, reason: DropReason) => metrics.eventsDropped.inc({ reason }, count),
    posthogError: () => metrics.posthogErrors.inc(),
  }
}
