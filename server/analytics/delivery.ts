import { promisify } from 'node:util'
import { gzip as gzipCallback } from 'node:zlib'
import { PostHog, type PostHogOptions } from 'posthog-node'
import type { PostHogEvent } from '../../shared/event/types.ts'
import type { Logger } from '../log.ts'
import type { AnalyticsSink, PostHogTarget } from './sink.ts'
import type { DeliveryOutcome } from './status.ts'
import type { AppendResult, Spool, SpoolEntry } from './spool/types.ts'

/** What delivery counts; `/metrics` shows it. */
export interface DeliveryMetrics {
  spooled(count: number): void
  delivered(count: number): void
  retried(count: number): void
  deadLettered(count: number, reason: 'bad-request' | 'unauthorized' | 'too-large' | 'refused'): void
  dropped(count: number, reason: 'spool-full' | 'spool-error'): void
  posthogError(): void
}

export interface DeliveryOptions {
  spool: Spool
  log: Logger
  metrics: DeliveryMetrics
  /** Send once this many events wait, or `flushIntervalMs` after the first one arrived. */
  flushAt: number
  flushIntervalMs: number
  /** Events per batch (PostHog's own limit is generous; posthog-node's default is 100). */
  batchSize?: number
  /** Backoff after a failed batch: full jitter over `baseMs · 2^failures`, capped at `maxMs`. */
  retry?: { baseMs: number; maxMs: number }
  fetch?: typeof fetch
  random?: () => number
  now?: () => number
  /** Told what became of every batch (the admin page's per-paywall status and test events). */
  onSettled?: (entries: readonly SpoolEntry[], outcome: DeliveryOutcome) => void
}

/** What one batch request came to, seen from the fetch posthog-node was given. */
interface Outcome {
  uuids: string[]
  /** HTTP status, or null for a network failure. */
  status: number | null
  detail: string
}

interface Target extends PostHogTarget {
  client: PostHog
  /** Filled by the client's fetch during a flush. */
  outcomes: Outcome[]
  busy: boolean
  failures: number
  nextAttemptAt: number
  /** Events of a batch PostHog refused as a whole (400): sent one by one to find the bad one. */
  solo: Set<string>
}

type PostHogFetch = NonNullable<PostHogOptions['fetch']>

const RETRYABLE = (status: number | null) => status === null || status === 408 || status === 429 || status >= 500

/**
 * Durable delivery (SPEC §6). `send` spools the event; batches go out through posthog-node, whose own
 * retries are off and whose every request is observed through the `fetch` it is given, so an event
 * leaves the spool only when PostHog answered 2xx for the batch that held it. Failures wait in the spool
 * and are retried with backoff (uuid, timestamp and distinct id unchanged, so PostHog deduplicates);
 * refusals (400, 401, 403, a single event too large) go to the dead-letter file with the reason.
 */
export class PostHogDelivery implements AnalyticsSink {
  private readonly targets = new Map<string, Target>()
  private readonly inFlight = new Set<string>()
  private readonly batchSize: number
  private readonly retry: { baseMs: number; maxMs: number }
  private readonly fetchImpl: typeof fetch
  private readonly random: () => number
  private readonly now: () => number
  private timer: ReturnType<typeof setTimeout> | null = null
  private timerDue = Number.POSITIVE_INFINITY
  private pumping: Promise<void> | null = null
  private again = false
  /** When the last pump sent nothing because every target with events was backing off: the earliest retry. */
  private backoffUntil = 0
  private stopped = false
  private readonly appends = new Set<Promise<unknown>>()
  /** The targets the config names now; clients of others are shut down once their events are gone. */
  private retained: ReadonlySet<string> | null = null

  constructor(private readonly options: DeliveryOptions) {
    this.batchSize = options.batchSize ?? 100
    this.retry = options.retry ?? { baseMs: 1_000, maxMs: 60_000 }
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init))
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
  }

  /** Spools the event; never throws. Resolves once it is written (a crash cannot lose it) or was refused. */
  send(target: PostHogTarget, event: PostHogEvent): Promise<void> {
    void this.append(target, event, () => this.schedule())
    return this.options.spool.written()
  }

  /**
   * Spools the event and sends it at once, ignoring the batch timer and the target's backoff (the admin
   * page's test event). Resolves once it is spooled (refused: the spool is full).
   */
  deliverNow(target: PostHogTarget, event: PostHogEvent): Promise<AppendResult> {
    return this.append(target, event, () => {
      if (this.stopped) return
      this.target(target).nextAttemptAt = 0
      this.runAt(this.now())
    })
  }

  /** Entries waiting in the spool, in flight ones included. */
  waiting(): SpoolEntry[] {
    return this.options.spool.pending(Number.MAX_SAFE_INTEGER)
  }

  /**
   * The targets the config names now (after a reload). A client whose target is no longer named is shut
   * down once the events spooled for it are gone: they still go to the host and key they were spooled for.
   */
  retain(targets: Iterable<PostHogTarget>): void {
    this.retained = new Set([...targets].map(targetKey))
    this.retire()
  }

  private append(target: PostHogTarget, event: PostHogEvent, then: () => void): Promise<AppendResult> {
    const entry: SpoolEntry = {
      uuid: event.uuid,
      host: target.host,
      apiKey: target.apiKey,
      event: event.event,
      distinctId: event.distinctId,
      timestamp: event.timestamp.toISOString(),
      properties: event.properties,
    }
    const appended = this.options.spool.append([entry]).then(
      (result) => {
        if (result.spooled > 0) this.options.metrics.spooled(result.spooled)
        if (result.refused > 0) {
          this.options.metrics.dropped(result.refused, 'spool-full')
          this.options.log('error', 'analytics spool full: event dropped', { uuid: entry.uuid })
        }
        then()
        return result
      },
      (error: unknown) => {
        this.options.metrics.dropped(1, 'spool-error')
        this.options.log('error', 'could not write the analytics spool: event dropped', { uuid: entry.uuid, error: errorText(error) })
        return { spooled: 0, refused: 1 }
      },
    )
    this.appends.add(appended)
    void appended.finally(() => this.appends.delete(appended))
    return appended
  }

  /** Shuts down the clients of targets no longer retained that have nothing left to send. */
  private retire(): void {
    const retained = this.retained
    if (!retained) return
    const idle = [...this.targets].filter(([key, target]) => !retained.has(key) && !target.busy)
    if (idle.length === 0) return
    const waiting = new Set(this.options.spool.pending(Number.MAX_SAFE_INTEGER).map(targetKey))
    for (const [key, target] of idle) {
      if (waiting.has(key)) continue
      this.targets.delete(key)
      void target.client.shutdown().catch(() => {})
    }
  }

  /** Starts sending what a previous run left in the spool. */
  resume(): void {
    this.schedule()
  }

  /** Sends what waits until nothing does or the time is up; what is left stays on disk for the next start. */
  async shutdown(timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs
    await Promise.all(this.appends)
    this.stopped = true
    this.clearTimer()
    // A round already under way holds its targets; the rounds below need them free.
    if (this.pumping) await this.pumping
    for (const target of this.targets.values()) target.nextAttemptAt = 0
    while (this.now() < deadline && this.eligible().size > 0) {
      // PostHog keeps failing: leave the rest to the next start rather than spin until the deadline. (Not
      // judged by the spool's depth: an acked event leaves it only once the ack is synced.)
      if ((await this.pumpOnce(true)) === 0) break
    }
    await Promise.all([...this.targets.values()].map((t) => t.client.shutdown(Math.max(0, deadline - this.now()))))
    await this.options.spool.close()
  }

  /**
   * Arranges the next send: soon when a batch is full, else after the flush interval, and not before the
   * backoff of the last pump allows. Called for every spooled event, so it only reads counters.
   */
  private schedule(): void {
    if (this.stopped) return
    if (this.pumping) {
      this.again = true
      return
    }
    const waiting = this.options.spool.stats().depth - this.inFlight.size
    if (waiting <= 0) return
    const batchDelay = waiting >= this.options.flushAt ? 0 : this.options.flushIntervalMs
    this.runAt(Math.max(this.backoffUntil, this.now() + batchDelay))
  }

  private runAt(due: number): void {
    if (this.timer && this.timerDue <= due) return
    this.clearTimer()
    this.timerDue = due
    this.timer = setTimeout(() => {
      this.timer = null
      this.timerDue = Number.POSITIVE_INFINITY
      void this.pump()
    }, Math.max(0, due - this.now()))
    // A pending send must not keep a stopping process alive: shutdown sends what is left.
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.timerDue = Number.POSITIVE_INFINITY
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true
      return this.pumping
    }
    this.pumping = (async () => {
      do {
        this.again = false
        await this.pumpOnce(false)
      } while (this.again && !this.stopped)
    })()
    try {
      await this.pumping
    } finally {
      this.pumping = null
      this.retire()
      this.schedule()
    }
  }

  /**
   * One batch for every target that has events waiting and is not backing off. Resolves how many events it
   * moved on: settled (delivered or dead-lettered) or set apart to be sent alone.
   */
  private async pumpOnce(ignoreBackoff: boolean): Promise<number> {
    const now = this.now()
    const rounds: Promise<number>[] = []
    let earliestRetry = Number.POSITIVE_INFINITY
    for (const [key, entries] of this.eligible()) {
      const target = this.target(entries[0]!)
      if (target.busy) continue
      if (!ignoreBackoff && target.nextAttemptAt > now) {
        earliestRetry = Math.min(earliestRetry, target.nextAttemptAt)
        continue
      }
      const solo = entries.find((e) => target.solo.has(e.uuid))
      rounds.push(this.sendBatch(target, solo ? [solo] : entries.slice(0, this.batchSize)).catch((error: unknown) => {
        this.options.log('error', 'analytics delivery round failed', { target: key.split('\u0000')[0], error: errorText(error) })
        return 0
      }))
    }
    this.backoffUntil = rounds.length === 0 && Number.isFinite(earliestRetry) ? earliestRetry : 0
    return (await Promise.all(rounds)).reduce((sum, moved) => sum + moved, 0)
  }

  /** Waiting events not in flight, by target, oldest first. */
  private eligible(): Map<string, SpoolEntry[]> {
    const byTarget = new Map<string, SpoolEntry[]>()
    for (const entry of this.options.spool.pending(this.batchSize * 50, this.inFlight)) {
      const key = targetKey(entry)
      const list = byTarget.get(key)
      if (list) list.push(entry)
      else byTarget.set(key, [entry])
    }
    return byTarget
  }

  private async sendBatch(target: Target, entries: SpoolEntry[]): Promise<number> {
    target.busy = true
    target.outcomes = []
    for (const entry of entries) this.inFlight.add(entry.uuid)
    try {
      for (const entry of entries) {
        target.client.capture({
          distinctId: entry.distinctId,
          event: entry.event,
          properties: entry.properties,
          timestamp: new Date(entry.timestamp),
          uuid: entry.uuid,
        })
      }
      // Rejects when a batch failed; the outcomes say which.
      await target.client.flush().catch(() => {})
      return await this.settle(target, entries, target.outcomes)
    } finally {
      for (const entry of entries) this.inFlight.delete(entry.uuid)
      target.busy = false
    }
  }

  /**
   * Acks what PostHog accepted, dead-letters what it refused for good, and backs off for the rest. Resolves
   * how many events it settled or set apart to be sent alone.
   */
  private async settle(target: Target, entries: SpoolEntry[], outcomes: Outcome[]): Promise<number> {
    const byUuid = new Map(entries.map((e) => [e.uuid, e]))
    const delivered: string[] = []
    const deadLetters: Array<{ entries: SpoolEntry[]; reason: string; kind: Parameters<DeliveryMetrics['deadLettered']>[1] }> = []
    let failed = false
    let setApart = 0
    for (const outcome of outcomes) {
      const sent = outcome.uuids.flatMap((uuid) => byUuid.get(uuid) ?? [])
      if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
        delivered.push(...sent.map((e) => e.uuid))
        for (const e of sent) target.solo.delete(e.uuid)
      } else if (RETRYABLE(outcome.status)) {
        failed = true
      } else if (outcome.status === 413) {
        // posthog-node halves a batch that is too large and sends the halves itself; one event alone is refused.
        if (sent.length === 1) deadLetters.push({ entries: sent, reason: `PostHog refused the event as too large (HTTP 413): ${outcome.detail}`, kind: 'too-large' })
      } else if (outcome.status === 400 && sent.length > 1) {
        // One malformed event refuses its whole batch: find it by sending them one by one.
        for (const e of sent) target.solo.add(e.uuid)
        setApart += sent.length
      } else {
        const kind = outcome.status === 401 || outcome.status === 403 ? 'unauthorized' : outcome.status === 400 ? 'bad-request' : 'refused'
        const why = kind === 'unauthorized' ? 'PostHog refused the project key' : 'PostHog refused the event'
        deadLetters.push({ entries: sent, reason: `${why} (HTTP ${outcome.status}): ${outcome.detail}`, kind })
        for (const e of sent) target.solo.delete(e.uuid)
      }
    }
    if (delivered.length > 0) {
      // Not awaited: the ack is written at once and its events leave pending() at once, so the next batch
      // need not wait for the ack's grouped fdatasync. Should a power cut lose the ack, PostHog gets the
      // batch again and deduplicates it by uuid.
      this.options.spool.ack(delivered).catch((error: unknown) => {
        this.options.log('warn', 'could not record delivered analytics events; they will be sent again', { count: delivered.length, error: errorText(error) })
      })
      this.options.metrics.delivered(delivered.length)
      this.options.onSettled?.(delivered.flatMap((uuid) => byUuid.get(uuid) ?? []), { kind: 'delivered' })
    }
    for (const letter of deadLetters) {
      await this.options.spool.deadLetter(letter.entries, letter.reason)
      this.options.metrics.deadLettered(letter.entries.length, letter.kind)
      this.options.log('error', 'analytics events dead-lettered', { host: target.host, count: letter.entries.length, reason: letter.reason })
      this.options.onSettled?.(letter.entries, { kind: 'dead-lettered', reason: letter.reason })
    }
    const settled = new Set([...delivered, ...deadLetters.flatMap((l) => l.entries.map((e) => e.uuid))])
    const left = entries.filter((e) => !settled.has(e.uuid) && !target.solo.has(e.uuid)).length
    if (failed || (outcomes.length === 0 && entries.length > 0)) {
      target.failures++
      const ceiling = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (target.failures - 1))
      target.nextAttemptAt = this.now() + this.random() * ceiling
      this.options.metrics.retried(left)
      this.options.metrics.posthogError()
      const last = outcomes.at(-1)
      this.options.onSettled?.(
        entries.filter((e) => !settled.has(e.uuid)),
        { kind: 'failed', status: last?.status ?? null, detail: last?.detail ?? 'no request was made' },
      )
      this.options.log('warn', 'PostHog did not accept a batch; it stays spooled and is retried', {
        host: target.host,
        events: left,
        status: last?.status ?? null,
        detail: last?.detail ?? 'no request was made',
        retryInMs: Math.round(target.nextAttemptAt - this.now()),
      })
    } else {
      target.failures = 0
      target.nextAttemptAt = 0
    }
    return settled.size + setApart
  }

  private target(entry: PostHogTarget): Target {
    const key = targetKey(entry)
    let target = this.targets.get(key)
    if (!target) {
      const created: Target = {
        host: entry.host,
        apiKey: entry.apiKey,
        client: new PostHog(entry.apiKey, {
          host: entry.host,
          // The spool decides when to send and retries itself: posthog-node only sends what it is given.
          flushAt: Number.MAX_SAFE_INTEGER,
          flushInterval: 0,
          maxBatchSize: this.batchSize,
          maxQueueSize: Number.MAX_SAFE_INTEGER,
          fetchRetryCount: 0,
          // Compressed by the observing fetch, which must read the batch to know which events it held.
          disableCompression: true,
          // Called only during a flush, once `created` exists.
          fetch: (url, init) => this.observedFetch((outcome) => created.outcomes.push(outcome), url, init),
        }),
        outcomes: [],
        busy: false,
        failures: 0,
        nextAttemptAt: 0,
        solo: new Set(),
      }
      // Failures are read from the outcomes; this only keeps posthog-node from logging them unhandled.
      created.client.on('error', () => {})
      target = created
      this.targets.set(key, target)
    }
    return target
  }

  /** posthog-node's fetch: sends the batch gzipped and records what PostHog answered for its events. */
  private async observedFetch(record: (outcome: Outcome) => void, url: string, init: Parameters<PostHogFetch>[1]): ReturnType<PostHogFetch> {
    const body = typeof init.body === 'string' ? init.body : null
    const uuids = body === null ? [] : uuidsOf(body)
    try {
      const response = await this.fetchImpl(url, {
        method: init.method,
        headers: body === null ? init.headers : { ...init.headers, 'Content-Encoding': 'gzip' },
        body: body === null ? (init.body as BodyInit | undefined) : await gzip(body),
        signal: init.signal,
      })
      const detail = response.ok ? '' : (await response.clone().text().catch(() => '')).slice(0, 500)
      record({ uuids, status: response.status, detail })
      return response
    } catch (error) {
      record({ uuids, status: null, detail: errorText(error) })
      // An HTTP failure, not a thrown one: posthog-node would keep a batch that failed on the network
      // in its memory queue and send it again with the next one; the spool already keeps it.
      return new Response(null, { status: 503 })
    }
  }
}

function targetKey(target: PostHogTarget): string {
  return `${target.host}\u0000${target.apiKey}`
}

function uuidsOf(body: string): string[] {
  try {
    const batch = (JSON.parse(body) as { batch?: Array<{ uuid?: unknown }> }).batch
    return Array.isArray(batch) ? batch.flatMap((e) => (typeof e?.uuid === 'string' ? [e.uuid] : [])) : []
  } catch {
    return []
  }
}

const gzipAsync = promisify(gzipCallback)

/**
 * Level 1: JSON batches still shrink several times, for a fraction of the CPU of the default level, and
 * node:zlib (Node and Deno alike) runs off the main thread, where CompressionStream costs ~5x more here.
 */
async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const compressed = await gzipAsync(text, { level: 1 })
  return new Uint8Array(compressed.buffer as ArrayBuffer, compressed.byteOffset, compressed.byteLength)
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    // fetch's own message is only "fetch failed": the cause says why (ECONNREFUSED, bad port, ...).
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
    if (typeof cause?.code === 'string') return `${error.message} (${cause.code})`
    return typeof cause?.message === 'string' ? `${error.message} (${cause.message})` : error.message
  }
  return String(error)
}
