/**
 * Shared pieces of the fault tests (SPEC §6, durable delivery): the config they run the proxy with, a
 * client that records what it got, arrival times at the fake PostHog, the tally of lost and duplicated
 * events (matched by `openstack_request_id`, the `X-Openstack-Request-Id` of the response), /metrics
 * samples, and the results file the README quotes (test/faults/results.json).
 */
import { mkdir, readFile, rename, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CapturedEvent, FakePostHog } from '../fakes/posthog-capture.ts'
import { KEYS, testConfig } from '../harness/config.ts'

/** Small batches and a quick backoff, so delivery resumes within about retryMaxMs of PostHog's recovery. */
export const FAULT_ANALYTICS = { flushAt: 10, flushIntervalMs: 100, retryBaseMs: 200, retryMaxMs: 2000 }

export function faultConfig(upstreamUrl: string, posthogUrl: string, analytics: Record<string, unknown> = FAULT_ANALYTICS) {
  const config = testConfig({ upstreamUrl, posthogUrl })
  return { ...config, analytics }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export interface ChatResult {
  stream: boolean
  status: number
  requestId: string | null
  /** The whole body arrived (a stream: up to `data: [DONE]`), status 200. */
  complete: boolean
  /** The assistant's text (joined deltas for a stream). */
  text: string
  error: string | null
  startedAt: number
  endedAt: number
}

/** One chat completion through the proxy with the paywall `pw_main`; never throws. */
export async function chat(
  url: string,
  { user, stream = false, content = 'Hello', timeoutMs = 10_000, onFirstChunk }: {
    user: string
    stream?: boolean
    content?: string
    timeoutMs?: number
    onFirstChunk?: () => void
  },
): Promise<ChatResult> {
  const startedAt = Date.now()
  let status = 0
  let requestId: string | null = null
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.main}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream, user }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    status = res.status
    requestId = res.headers.get('x-openstack-request-id')
    let body = ''
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (body === '') onFirstChunk?.()
      body += value
    }
    const text = stream ? sseText(body) : (JSON.parse(body).choices?.[0]?.message?.content ?? '')
    const complete = status === 200 && (!stream || /data: \[DONE\]\s*$/.test(body))
    return { stream, status, requestId, complete, text, error: null, startedAt, endedAt: Date.now() }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code
    const message = `${(error as Error).message}${cause ? ` (${cause})` : ''}`
    return { stream, status, requestId, complete: false, text: '', error: message, startedAt, endedAt: Date.now() }
  }
}

function sseText(body: string): string {
  let text = ''
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue
    text += JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? ''
  }
  return text
}

/** Stamps each event the fake accepts with the time it was seen (polled every 5 ms). */
export function trackArrivals(posthog: FakePostHog) {
  const arrivals: number[] = []
  const poll = () => {
    const now = Date.now()
    for (let i = arrivals.length; i < posthog.events.length; i++) arrivals[i] = now
  }
  const timer = setInterval(poll, 5)
  return {
    arrivals,
    /** When the last event for one of `requestIds` arrived (null when none did). */
    lastArrivalOf(requestIds: Iterable<string>): number | null {
      poll()
      const wanted = new Set(requestIds)
      let last: number | null = null
      posthog.events.forEach((e, i) => {
        if (wanted.has(e.properties.openstack_request_id) && (last === null || arrivals[i]! > last)) last = arrivals[i]!
      })
      return last
    },
    stop: () => {
      poll()
      clearInterval(timer)
    },
  }
}

export interface Tally {
  /** Requests whose event was expected. */
  sent: number
  /** Events the fake PostHog accepted (duplicates included). */
  received: number
  /** Distinct uuids among them. */
  unique: number
  /** Expected requests with no event. */
  lost: number
  /** Events accepted more than once (received - unique). */
  duplicated: number
  /** Events for a request id nobody expected. */
  unexpected: number
  /** Request ids that had events with different uuids (two events for one request). */
  splitRequests: number
  lostIds: string[]
}

/** Matches the fake's events to the expected request ids. */
export function tally(expectedIds: Iterable<string>, events: CapturedEvent[]): Tally {
  const expected = new Set(expectedIds)
  const uuids = new Set<string>()
  const uuidsByRequest = new Map<string, Set<string>>()
  let unexpected = 0
  for (const e of events) {
    uuids.add(e.uuid)
    const id = e.properties.openstack_request_id as string
    if (!expected.has(id)) unexpected++
    const set = uuidsByRequest.get(id) ?? new Set<string>()
    set.add(e.uuid)
    uuidsByRequest.set(id, set)
  }
  const lostIds = [...expected].filter((id) => !uuidsByRequest.has(id))
  return {
    sent: expected.size,
    received: events.length,
    unique: uuids.size,
    lost: lostIds.length,
    duplicated: events.length - uuids.size,
    unexpected,
    splitRequests: [...uuidsByRequest.values()].filter((s) => s.size > 1).length,
    lostIds,
  }
}

/** Resolves once every id has an event at the fake; rejects after timeoutMs (the caller tallies what came). */
export async function waitForRequestEvents(posthog: FakePostHog, ids: Iterable<string>, timeoutMs: number): Promise<void> {
  const wanted = new Set(ids)
  const missing = () => {
    const seen = new Set(posthog.events.map((e) => e.properties.openstack_request_id))
    return [...wanted].filter((id) => !seen.has(id)).length
  }
  const deadline = Date.now() + timeoutMs
  while (missing() > 0) {
    if (Date.now() > deadline) throw new Error(`${missing()} of ${wanted.size} events still missing after ${timeoutMs} ms`)
    await sleep(20)
  }
}

/** The value of one sample in Prometheus text (NaN when absent); `labels` must match the sample's exactly. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')
  const prefix = want === '' ? `${name} ` : `${name}{${want}} `
  const line = text.split('\n').find((l) => l.startsWith(prefix))
  return line === undefined ? Number.NaN : Number(line.slice(prefix.length))
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return res.text()
}

/** Polls /metrics until `ok(value)` for the sample, or rejects after timeoutMs with the last value. */
export async function waitForMetric(
  url: string,
  name: string,
  labels: Record<string, string>,
  ok: (value: number) => boolean,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let value = Number.NaN
  while (Date.now() <= deadline) {
    value = metricValue(await scrape(url), name, labels)
    if (ok(value)) return value
    await sleep(50)
  }
  throw new Error(`${name}${JSON.stringify(labels)} is ${value} after ${timeoutMs} ms`)
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url))

/**
 * Prints one JSON line for a scenario on a runtime and, with OPENSTACK_FAULTS_RECORD=1, merges it into
 * test/faults/results.json under `<scenario>/<runtime>` (test files run in parallel workers: a lock
 * directory serialises the writes). Only on request: the file is tracked, and `npm test` must leave the
 * tree as it found it.
 */
export async function recordResult(scenario: string, runtime: string, figures: Record<string, unknown>): Promise<void> {
  const summary = { scenario, runtime, ...figures, at: new Date().toISOString() }
  console.log(JSON.stringify(summary))
  if (process.env.OPENSTACK_FAULTS_RECORD !== '1') return
  const lock = `${RESULTS}.lock`
  let deadline = Date.now() + 10_000
  for (;;) {
    try {
      await mkdir(lock)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      // A lock left by a run that died while writing: take it over.
      if (Date.now() > deadline) {
        await rmdir(lock).catch(() => {})
        deadline = Date.now() + 10_000
      }
      await sleep(20)
    }
  }
  try {
    let all: Record<string, unknown> = {}
    try {
      all = JSON.parse(await readFile(RESULTS, 'utf8'))
    } catch {
      // first result, or a file broken by hand: start again
    }
    all[`${scenario}/${runtime}`] = summary
    const sorted = Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)))
    const tmp = join(RESULTS, '..', `.results.${process.pid}.tmp`)
    await writeFile(tmp, `${JSON.stringify(sorted, null, 2)}\n`)
    await rename(tmp, RESULTS)
  } finally {
    await rmdir(lock).catch(() => {})
  }
}
