/**
 * A fake PostHog capture endpoint for tests. Listens on 127.0.0.1 on a random port and accepts exactly what
 * posthog-node 5.x sends: `POST /batch/` with `Content-Type: application/json`, optionally
 * `Content-Encoding: gzip`, body `{ api_key, batch: [...], sent_at }`.
 *
 * It validates the wire format the way PostHog's capture service does and refuses the whole batch when one
 * event is malformed (statuses follow PostHog capture: 401 without an api_key, 413 for a body over 20 MB or
 * an event over 1 MiB, 400 for the rest), recording each refusal in `errors`. It is stricter than PostHog in
 * two ways the product contract requires: `uuid` must be a UUIDv7 and `timestamp` must be present.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { closeNow, headerRecord, listenOnLoopback } from './http.ts'

export const MAX_BODY_BYTES = 20 * 1024 * 1024
export const MAX_EVENT_BYTES = 1024 * 1024

export interface CapturedEvent {
  event: string
  distinct_id: string
  uuid: string
  timestamp: string
  properties: Record<string, any>
  /** The `api_key` of the batch that carried the event. */
  api_key: string
  /** Any other top-level field the client sent (posthog-node sends `type`, `library`, `library_version`). */
  [key: string]: unknown
}

export interface BatchRequest {
  method: string
  path: string
  headers: Record<string, string>
  /** `content-encoding` header as sent ('' when absent). */
  contentEncoding: string
  gzip: boolean
  /** Bytes on the wire and after decompression. */
  wireBytes: number
  bodyBytes: number
  /** Parsed body, or undefined when it could not be decoded/parsed. */
  body: any
  /** Status the fake answered. */
  status: number
  /** True when the status came from `failNext` or `failFor`. */
  injected: boolean
}

export interface WireError {
  status: number
  /** Short machine-readable code (PostHog capture vocabulary where there is one). */
  code: string
  /** What is wrong, naming the field, e.g. `batch[0].distinct_id: missing or blank`. */
  message: string
  path: string
}

export interface FakePostHog {
  /** Host to give posthog-node, e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  url: string
  /** Accepted events, in arrival order. */
  events: CapturedEvent[]
  /** Number of batches accepted (answered 200). */
  readonly batches: number
  /** Every request the fake received, accepted or not. */
  requests: BatchRequest[]
  /** Wire-format violations (each also answered with a 4xx). Injected failures are not listed here. */
  errors: WireError[]
  /** Resolves with all accepted events once at least n arrived; rejects after timeoutMs with what arrived. */
  waitForEvents(n: number, timeoutMs?: number): Promise<CapturedEvent[]>
  /** Resolves with the first accepted event that matches; rejects after timeoutMs with what arrived. */
  waitForEvent(match: (event: CapturedEvent) => boolean, timeoutMs?: number): Promise<CapturedEvent>
  /**
   * Make the next `count` batch requests fail with `status` (nothing is validated or recorded as an event).
   * Status 0 destroys the connection instead of answering (a network error for the client).
   * `retryAfterSeconds` adds a `Retry-After` header.
   */
  failNext(status: number, count?: number, retryAfterSeconds?: number): void
  /**
   * Make every batch request that arrives in the next `ms` milliseconds fail with `status` (an outage; 0
   * destroys the connection), ahead of any `failNext`. Returns when the outage ends (ms since the epoch).
   * `ms` <= 0 ends an outage now.
   */
  failFor(status: number, ms: number, retryAfterSeconds?: number): number
  /** Forget events, requests, errors, pending failures and an outage. */
  reset(): void
  close(): Promise<void>
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/

function isIsoTimestamp(v: unknown): v is string {
  return typeof v === 'string' && ISO_RE.test(v) && !Number.isNaN(Date.parse(v))
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Check one event; returns the problems found (empty when valid). */
function checkEvent(ev: unknown, i: number): { status: number; code: string; message: string }[] {
  const at = `batch[${i}]`
  if (!isPlainObject(ev)) return [{ status: 400, code: 'request_parsing_error', message: `${at}: not an object` }]
  const problems: { status: number; code: string; message: string }[] = []
  if (typeof ev.event !== 'string' || ev.event.trim() === '') {
    problems.push({ status: 400, code: 'missing_event_name', message: `${at}.event: missing or empty event name` })
  }
  if (typeof ev.distinct_id !== 'string' || ev.distinct_id.trim() === '') {
    problems.push({
      status: 400,
      code: 'missing_distinct_id',
      message: `${at}.distinct_id: missing or blank (got ${JSON.stringify(ev.distinct_id) ?? 'undefined'})`,
    })
  }
  if (typeof ev.uuid !== 'string' || !UUID_RE.test(ev.uuid)) {
    problems.push({ status: 400, code: 'invalid_uuid', message: `${at}.uuid: not a valid UUID (got ${JSON.stringify(ev.uuid) ?? 'undefined'})` })
  } else if (ev.uuid[14] !== '7' || !/[89ab]/i.test(ev.uuid[19] ?? '')) {
    problems.push({ status: 400, code: 'invalid_uuid', message: `${at}.uuid: not a UUIDv7 (got ${ev.uuid})` })
  }
  if (!isIsoTimestamp(ev.timestamp)) {
    problems.push({
      status: 400,
      code: 'invalid_timestamp',
      message: `${at}.timestamp: not an ISO-8601 date-time (got ${JSON.stringify(ev.timestamp) ?? 'undefined'})`,
    })
  }
  if (!isPlainObject(ev.properties)) {
    problems.push({ status: 400, code: 'invalid_properties', message: `${at}.properties: not an object` })
  } else if (ev.event === '$ai_generation' || ev.event === '$ai_embedding') {
    const model = ev.properties.$ai_model
    if (typeof model !== 'string' || model.trim() === '') {
      problems.push({
        status: 400,
        code: 'missing_ai_model',
        message: `${at}.properties.$ai_model: required on ${ev.event} events (PostHog AI ingestion discards events without it)`,
      })
    }
  }
  const size = Buffer.byteLength(JSON.stringify(ev))
  if (size > MAX_EVENT_BYTES) {
    problems.push({ status: 413, code: 'payload_too_large', message: `${at}: event is ${size} bytes, over the ${MAX_EVENT_BYTES}-byte limit` })
  }
  return problems
}

export async function startFakePostHog(): Promise<FakePostHog> {
  const events: CapturedEvent[] = []
  const requests: BatchRequest[] = []
  const errors: WireError[] = []
  let accepted = 0
  let failures: { status: number; remaining: number; retryAfter?: number } | null = null
  let outage: { status: number; until: number; retryAfter?: number } | null = null
  const sockets = new Set<Socket>()

  function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
    res.end(text)
  }

  function refuse(res: ServerResponse, rec: BatchRequest, status: number, code: string, message: string) {
    rec.status = status
    errors.push({ status, code, message, path: rec.path })
    reply(res, status, { status, code, error: message })
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    let wireBytes = 0
    let tooBig = false
    req.on('error', () => {})
    res.on('error', () => {})
    req.on('data', (c: Buffer) => {
      wireBytes += c.length
      if (wireBytes > MAX_BODY_BYTES) tooBig = true
      else chunks.push(c)
    })
    req.on('end', () => {
      const headers = headerRecord(req)
      const path = (req.url ?? '/').split('?')[0] ?? '/'
      const contentEncoding = (headers['content-encoding'] ?? '').trim().toLowerCase()
      const rec: BatchRequest = {
        method: req.method ?? 'GET',
        path,
        headers,
        contentEncoding,
        gzip: contentEncoding === 'gzip',
        wireBytes,
        bodyBytes: 0,
        body: undefined,
        status: 0,
        injected: false,
      }
      requests.push(rec)

      if (path !== '/batch/' && path !== '/batch') {
        return refuse(res, rec, 404, 'not_found', `${rec.method} ${path}: this fake only serves POST /batch/`)
      }
      if (rec.method !== 'POST') {
        return refuse(res, rec, 405, 'method_not_allowed', `${rec.method} ${path}: only POST is accepted`)
      }

      if (outage && Date.now() >= outage.until) outage = null
      let injected: { status: number; retryAfter?: number } | null = outage
      if (!injected && failures && failures.remaining > 0) {
        failures.remaining--
        injected = failures
        if (failures.remaining === 0) failures = null
      }
      if (injected) {
        const { status, retryAfter } = injected
        rec.injected = true
        rec.status = status
        if (status === 0) {
          req.socket.destroy()
          return
        }
        return reply(
          res,
          status,
          { status, code: 'injected_failure', error: `injected failure (status ${status})` },
          retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {},
        )
      }

      if (tooBig) {
        return refuse(res, rec, 413, 'payload_too_large', `request body is over ${MAX_BODY_BYTES} bytes`)
      }
      const contentType = headers['content-type'] ?? ''
      if (!/^application\/json\s*(;|$)/i.test(contentType)) {
        return refuse(res, rec, 400, 'request_decoding_error', `content-type must be application/json (got ${JSON.stringify(contentType)})`)
      }
      let raw = Buffer.concat(chunks)
      if (contentEncoding === 'gzip') {
        try {
          raw = gunzipSync(raw, { maxOutputLength: MAX_BODY_BYTES + 1 })
        } catch (err) {
          const msg = (err as Error).message
          if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
            return refuse(res, rec, 413, 'payload_too_large', `decompressed body is over ${MAX_BODY_BYTES} bytes`)
          }
          return refuse(res, rec, 400, 'request_decoding_error', `content-encoding gzip but the body is not valid gzip: ${msg}`)
        }
        if (raw.length > MAX_BODY_BYTES) {
          return refuse(res, rec, 413, 'payload_too_large', `decompressed body is over ${MAX_BODY_BYTES} bytes`)
        }
      } else if (contentEncoding !== '' && contentEncoding !== 'identity') {
        return refuse(res, rec, 400, 'request_decoding_error', `unsupported content-encoding ${JSON.stringify(contentEncoding)}`)
      }
      rec.bodyBytes = raw.length

      let body: any
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch (err) {
        return refuse(res, rec, 400, 'request_parsing_error', `body is not valid JSON: ${(err as Error).message}`)
      }
      rec.body = body
      if (!isPlainObject(body)) {
        return refuse(res, rec, 400, 'request_parsing_error', 'body is not a JSON object')
      }
      if (typeof body.api_key !== 'string' || body.api_key.trim() === '') {
        return refuse(res, rec, 401, 'ingest_key_required', 'api_key: missing or empty')
      }
      if (!Array.isArray(body.batch)) {
        return refuse(res, rec, 400, 'request_parsing_error', `batch: not an array (got ${typeof body.batch})`)
      }
      if (body.batch.length === 0) {
        return refuse(res, rec, 400, 'empty_batch', 'batch: holds no event')
      }
      if (!isIsoTimestamp(body.sent_at)) {
        return refuse(res, rec, 400, 'invalid_timestamp', `sent_at: not an ISO-8601 date-time (got ${JSON.stringify(body.sent_at) ?? 'undefined'})`)
      }
      const problems = body.batch.flatMap((ev: unknown, i: number) => checkEvent(ev, i))
      if (problems.length > 0) {
        // One malformed event rejects the whole batch, like PostHog.
        const status = problems.some((p: { status: number }) => p.status === 413) ? 413 : 400
        rec.status = status
        for (const p of problems) errors.push({ ...p, path })
        return reply(res, status, {
          status,
          code: problems[0]?.code,
          error: problems.map((p: { message: string }) => p.message).join('; '),
        })
      }

      for (const ev of body.batch) events.push({ ...ev, api_key: body.api_key })
      accepted++
      rec.status = 200
      reply(res, 200, { status: 'Ok' })
      notify()
    })
  })

  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  const waiters = new Set<() => void>()
  const notify = () => {
    for (const w of [...waiters]) w()
  }

  const port = await listenOnLoopback(server)

  /** Resolves with what `found` returns once it is defined; rejects after timeoutMs listing what arrived. */
  function waitUntil<T>(found: () => T | undefined, expected: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const now = found()
      if (now !== undefined) return resolve(now)
      const check = () => {
        const value = found()
        if (value === undefined) return
        done()
        resolve(value)
      }
      const timer = setTimeout(() => {
        done()
        const got = events.map((e) => `${e.event} distinct_id=${e.distinct_id} uuid=${e.uuid}`).join('\n    ') || '(none)'
        const errs = errors.map((e) => `${e.status} ${e.message}`).join('\n    ') || '(none)'
        const reqs = requests.map((r) => `${r.method} ${r.path} -> ${r.status}${r.injected ? ' (injected)' : ''}`).join('\n    ') || '(none)'
        reject(
          new Error(
            `fake PostHog: expected ${expected} within ${timeoutMs} ms, got ${events.length} event(s).\n` +
              `  events:\n    ${got}\n  wire errors:\n    ${errs}\n  requests:\n    ${reqs}`,
          ),
        )
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        waiters.delete(check)
      }
      waiters.add(check)
    })
  }

  return {
    url: `http://127.0.0.1:${port}`,
    events,
    requests,
    errors,
    get batches() {
      return accepted
    },
    waitForEvents(n, timeoutMs = 5000) {
      return waitUntil(() => (events.length >= n ? events : undefined), `${n} event(s)`, timeoutMs)
    },
    waitForEvent(match, timeoutMs = 5000) {
      return waitUntil(() => events.find(match), 'a matching event', timeoutMs)
    },
    failNext(status, count = 1, retryAfterSeconds) {
      failures = count > 0 ? { status, remaining: count, ...(retryAfterSeconds !== undefined ? { retryAfter: retryAfterSeconds } : {}) } : null
    },
    failFor(status, ms, retryAfterSeconds) {
      const until = Date.now() + Math.max(0, ms)
      outage = ms > 0 ? { status, until, ...(retryAfterSeconds !== undefined ? { retryAfter: retryAfterSeconds } : {}) } : null
      return until
    },
    reset() {
      events.length = 0
      requests.length = 0
      errors.length = 0
      accepted = 0
      failures = null
      outage = null
    },
    close() {
      for (const w of [...waiters]) waiters.delete(w)
      return closeNow(server, sockets)
    },
  }
}
