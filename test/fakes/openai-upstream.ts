/**
 * A fake OpenAI-compatible upstream for tests. Listens on 127.0.0.1 on a random port and speaks the
 * documented Chat Completions format (JSON and SSE), choosing a scenario from the last message:
 *
 *   "scenario:tool-calls"        two tool calls (streamed as tool-call deltas), finish_reason `tool_calls`
 *   "scenario:error-400"         400 invalid_request_error (param `temperature`)
 *   "scenario:error-429"         429 + `retry-after: 1`, type `requests`, code `rate_limit_exceeded`
 *   "scenario:error-500"         500 server_error
 *   "scenario:slow-chunks"       the normal answer, streamed with 80 ms between chunks
 *   "scenario:reset-mid-stream"  stream: 3 content chunks, then the socket is destroyed (non-stream: the
 *                                headers and the start of the JSON body, then the socket is destroyed)
 *   "scenario:hang"              never answers; holds the socket until the client goes away or close()
 *   "scenario:cached"            usage with 1000 prompt tokens of which 200 cached, 20 reasoning tokens
 *   "scenario:openrouter-cost"   usage also carries `cost: 0.00042` (OpenRouter style)
 *   "scenario:long-stream"       20 content chunks, 5 ms apart
 *   anything else                "Hello from the fake upstream!", usage 12 / 7
 *
 * The scenario is read from the last message's content when it is a string (or the text of its text parts)
 * that starts with `scenario:<name>`; anything after the name is ignored.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { headerRecord, listenOnLoopback } from './http.ts'

/** Text of the default answer. */
export const FAKE_TEXT = 'Hello from the fake upstream!'
/** How the default answer is split into stream content deltas (joined, they give FAKE_TEXT). */
export const FAKE_TEXT_PIECES = ['Hello', ' from', ' the', ' fake', ' upstream', '!']
/** Content deltas of `scenario:long-stream` (20 of them). */
export const LONG_STREAM_PIECES = Array.from({ length: 20 }, (_, i) => `chunk${i + 1} `)
export const LONG_STREAM_TEXT = LONG_STREAM_PIECES.join('')
/** Content deltas sent by `scenario:reset-mid-stream` before the socket is destroyed. */
export const RESET_PIECES = ['Hello', ' from', ' the']

/** Requested model alias -> dated snapshot the fake reports (other models are echoed). */
export const MODEL_SNAPSHOTS: Record<string, string> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
}

/** The tool calls of `scenario:tool-calls`, as they appear in a non-streamed message. */
export const FAKE_TOOL_CALLS = [
  {
    id: 'call_fakeWeather0000000001',
    type: 'function' as const,
    function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' },
  },
  {
    id: 'call_fakeTime000000000002',
    type: 'function' as const,
    function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
  },
]

/** Models listed by `GET /v1/models`. */
export const FAKE_MODELS = [
  { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
  { id: 'gpt-4o-mini-2024-07-18', object: 'model', created: 1721172717, owned_by: 'system' },
  { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' },
  { id: 'text-embedding-3-small', object: 'model', created: 1705948997, owned_by: 'system' },
]

export interface FakeUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number }
  completion_tokens_details: {
    reasoning_tokens: number
    audio_tokens: number
    accepted_prediction_tokens: number
    rejected_prediction_tokens: number
  }
  cost?: number
}

function usage(prompt: number, completion: number, cached = 0, reasoning = 0): FakeUsage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
}

/** Usage block the fake reports, per scenario (`default` for a normal answer). */
export const FAKE_USAGE = {
  default: usage(12, 7),
  'tool-calls': usage(85, 42),
  cached: usage(1000, 50, 200, 20),
  'openrouter-cost': { ...usage(12, 7), cost: 0.00042 },
  'long-stream': usage(12, 40),
} satisfies Record<string, FakeUsage>

export const ERROR_400_BODY = {
  error: {
    message: "Invalid value for 'temperature': expected a number between 0 and 2, but got 5 instead.",
    type: 'invalid_request_error',
    param: 'temperature',
    code: 'invalid_value',
  },
}
export const ERROR_429_BODY = {
  error: {
    message:
      'Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.',
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
  },
}
export const ERROR_500_BODY = {
  error: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    param: null,
    code: null,
  },
}

export interface RecordedRequest {
  method: string
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string
  /** Path with the query string, as received. */
  url: string
  /** Request headers, names lower-cased (repeated headers joined with `, `). */
  headers: Record<string, string>
  /** Parsed JSON body; `undefined` when there was no body, the raw string when it was not JSON. */
  body: any
  rawBody: string
  /** Scenario name chosen for this request (`default` for a normal answer), null for non-chat routes. */
  scenario: string | null
  /** HTTP status the fake sent, null while none was sent (hang, reset before headers). */
  status: number | null
  /** `performance.now()` at the moment each SSE event was written (same order as `chunks`). */
  chunkWrites: number[]
  /** The `data:` payload of each SSE event written, `[DONE]` included. */
  chunks: string[]
  /** `performance.now()` when the request headers arrived. */
  receivedAt: number
  /** `performance.now()` when the response ended (null if it never did). */
  endedAt: number | null
  /** True when the client went away before the response ended. */
  aborted: boolean
}

export interface FakeOpenAI {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string
  /** `http://127.0.0.1:PORT` */
  origin: string
  requests: RecordedRequest[]
  /** Requests to `POST /v1/chat/completions` only. */
  readonly chatRequests: RecordedRequest[]
  /** Number of requests whose client went away before the response ended. */
  readonly aborted: number
  /** Resolves when at least n requests were received; rejects after timeoutMs. */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>
  /** Resolves when `aborted` reaches n; rejects after timeoutMs. */
  waitForAborted(n: number, timeoutMs?: number): Promise<void>
  /** Forget recorded requests and reset the aborted counter. */
  reset(): void
  /** Stop listening and destroy open sockets (hanging requests included). */
  close(): Promise<void>
}

const SCENARIO_RE = /^\s*scenario:([a-z0-9-]+)/

function lastMessageText(body: any): string | null {
  const messages = body?.messages
  if (!Array.isArray(messages) || messages.length === 0) return null
  const content = messages[messages.length - 1]?.content
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content
      .filter((p: any) => p && p.type === 'text' && typeof p.text === 'string')
      .map((p: any) => p.text)
      .join('')
  }
  return null
}

/** Scenario named by a chat request body, `default` when none. */
export function scenarioOf(body: unknown): string {
  const text = lastMessageText(body)
  const m = text ? SCENARIO_RE.exec(text) : null
  return m?.[1] ?? 'default'
}

function reportedModel(requested: unknown): string {
  const model = typeof requested === 'string' ? requested : 'unknown'
  return MODEL_SNAPSHOTS[model] ?? model
}

function randomId(prefix: string, len = 29): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = randomBytes(len)
  let out = prefix
  for (const b of bytes) out += alphabet[b % alphabet.length]
  return out
}

function splitEvery(s: string, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n))
  return out
}

function openAIError(message: string, param: string | null = null, code: string | null = null) {
  return { error: { message, type: 'invalid_request_error', param, code } }
}

interface CompletionPlan {
  pieces: string[]
  toolCalls: typeof FAKE_TOOL_CALLS | null
  finishReason: 'stop' | 'tool_calls'
  usage: FakeUsage
  delayMs: number
  /** Destroy the socket after this many content chunks (stream), or at once (non-stream). */
  resetAfter?: number
}

function planFor(scenario: string): CompletionPlan {
  const base: CompletionPlan = {
    pieces: FAKE_TEXT_PIECES,
    toolCalls: null,
    finishReason: 'stop',
    usage: FAKE_USAGE.default,
    delayMs: 0,
  }
  switch (scenario) {
    case 'tool-calls':
      return { ...base, pieces: [], toolCalls: FAKE_TOOL_CALLS, finishReason: 'tool_calls', usage: FAKE_USAGE['tool-calls'] }
    case 'slow-chunks':
      return { ...base, delayMs: 80 }
    case 'long-stream':
      return { ...base, pieces: LONG_STREAM_PIECES, usage: FAKE_USAGE['long-stream'], delayMs: 5 }
    case 'cached':
      return { ...base, usage: FAKE_USAGE.cached }
    case 'openrouter-cost':
      return { ...base, usage: FAKE_USAGE['openrouter-cost'] }
    case 'reset-mid-stream':
      return { ...base, pieces: RESET_PIECES, resetAfter: RESET_PIECES.length }
    default:
      return base
  }
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = []
  let aborted = 0
  let closing = false
  const sockets = new Set<Socket>()
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>()

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closing) return resolve()
      const entry = {
        resolve,
        timer: setTimeout(() => {
          timers.delete(entry)
          resolve()
        }, ms),
      }
      timers.add(entry)
    })

  const server = createServer((req, res) => {
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      url: req.url ?? '/',
      headers: headerRecord(req),
      body: undefined,
      rawBody: '',
      scenario: null,
      status: null,
      chunkWrites: [],
      chunks: [],
      receivedAt: performance.now(),
      endedAt: null,
      aborted: false,
    }
    requests.push(rec)
    let destroyedByServer = false

    res.on('finish', () => {
      rec.endedAt = performance.now()
    })
    res.on('close', () => {
      if (!res.writableFinished && !destroyedByServer && !closing) {
        rec.aborted = true
        aborted++
      }
    })
    req.on('error', () => {})
    res.on('error', () => {})

    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      rec.rawBody = Buffer.concat(chunks).toString('utf8')
      if (rec.rawBody.length > 0) {
        try {
          rec.body = JSON.parse(rec.rawBody)
        } catch {
          rec.body = rec.rawBody
        }
      }
      handle(req, res, rec, () => {
        destroyedByServer = true
      }).catch(() => {
        if (!res.headersSent) sendJSON(res, rec, 500, ERROR_500_BODY)
        else res.destroy()
      })
    })
  })

  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  function sendJSON(res: ServerResponse, rec: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}) {
    rec.status = status
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-request-id': randomId('req_', 32),
      'openai-processing-ms': '42',
      ...headers,
    })
    res.end(text)
  }

  async function handle(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, markDestroyed: () => void) {
    if (rec.method === 'GET' && rec.path === '/v1/models') {
      return sendJSON(res, rec, 200, { object: 'list', data: FAKE_MODELS })
    }
    if (rec.path !== '/v1/chat/completions') {
      return sendJSON(res, rec, 404, openAIError(`Invalid URL (${rec.method} ${rec.path})`))
    }
    if (rec.method !== 'POST') {
      return sendJSON(res, rec, 405, openAIError(`Method ${rec.method} not allowed for ${rec.path}`))
    }
    const body = rec.body
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendJSON(
        res,
        rec,
        400,
        openAIError(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        ),
      )
    }
    if (typeof body.model !== 'string' || body.model === '') {
      return sendJSON(res, rec, 400, openAIError('you must provide a model parameter'))
    }
    if (!Array.isArray(body.messages)) {
      return sendJSON(res, rec, 400, openAIError("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter'))
    }

    const scenario = scenarioOf(body)
    rec.scenario = scenario
    switch (scenario) {
      case 'error-400':
        return sendJSON(res, rec, 400, ERROR_400_BODY)
      case 'error-429':
        return sendJSON(res, rec, 429, ERROR_429_BODY, {
          'retry-after': '1',
          'x-ratelimit-limit-requests': '3',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '1s',
        })
      case 'error-500':
        return sendJSON(res, rec, 500, ERROR_500_BODY)
      case 'hang':
        return // keep the socket open; the client's disconnect or close() ends it
    }

    const plan = planFor(scenario)
    const id = randomId('chatcmpl-')
    const created = Math.floor(Date.now() / 1000)
    const model = reportedModel(body.model)
    const systemFingerprint = 'fp_fake0c0ffee'

    if (body.stream !== true) {
      if (plan.resetAfter !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' })
        res.write(`{"id":"${id}","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hel`)
        markDestroyed()
        setTimeout(() => req.socket.destroy(), 20)
        return
      }
      const text = plan.pieces.join('')
      return sendJSON(res, rec, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: plan.toolCalls ? null : text,
              ...(plan.toolCalls ? { tool_calls: plan.toolCalls } : {}),
              refusal: null,
              annotations: [],
            },
            logprobs: null,
            finish_reason: plan.finishReason,
          },
        ],
        usage: plan.usage,
        service_tier: 'default',
        system_fingerprint: systemFingerprint,
      })
    }

    // --- streaming ---
    const includeUsage = body.stream_options?.include_usage === true
    const envelope = (rest: Record<string, unknown>) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: systemFingerprint,
      ...rest,
    })
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
      envelope({
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        ...(includeUsage ? { usage: null } : {}),
      })

    const events: unknown[] = []
    if (plan.toolCalls) {
      plan.toolCalls.forEach((call, index) => {
        const head = {
          tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
        }
        events.push(chunk(index === 0 ? { role: 'assistant', content: null, ...head, refusal: null } : head, null))
        for (const part of splitEvery(call.function.arguments, 9)) {
          events.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }, null))
        }
      })
    } else if (plan.resetAfter !== undefined) {
      // Exactly resetAfter content chunks (the first also carries the role), then the socket is destroyed.
      plan.pieces.forEach((piece, i) => {
        events.push(chunk(i === 0 ? { role: 'assistant', content: piece, refusal: null } : { content: piece }, null))
      })
    } else {
      events.push(chunk({ role: 'assistant', content: '', refusal: null }, null))
      for (const piece of plan.pieces) events.push(chunk({ content: piece }, null))
    }
    if (plan.resetAfter === undefined) {
      events.push(chunk({}, plan.finishReason))
      if (includeUsage) {
        events.push(envelope({ choices: [], usage: plan.usage }))
      }
      events.push('[DONE]')
    }

    rec.status = 200
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': randomId('req_', 32),
      'openai-processing-ms': '42',
    })
    res.flushHeaders()

    for (let i = 0; i < events.length; i++) {
      if (i > 0 && plan.delayMs > 0) await sleep(plan.delayMs)
      if (closing || res.destroyed || rec.aborted) return
      const ev = events[i]
      const data = typeof ev === 'string' ? ev : JSON.stringify(ev)
      rec.chunkWrites.push(performance.now())
      rec.chunks.push(data)
      res.write(`data: ${data}\n\n`)
    }

    if (plan.resetAfter !== undefined) {
      // Let the written chunks leave before the socket goes away.
      await new Promise<void>((resolve) => res.write('', () => resolve()))
      await sleep(30)
      if (closing || res.destroyed) return
      markDestroyed()
      req.socket.destroy()
      return
    }
    res.end()
  }

  const port = await listenOnLoopback(server)
  const origin = `http://127.0.0.1:${port}`

  const poll = (cond: () => boolean, timeoutMs: number, describe: () => string) =>
    new Promise<void>((resolve, reject) => {
      if (cond()) return resolve()
      const started = Date.now()
      const iv = setInterval(() => {
        if (cond()) {
          clearInterval(iv)
          resolve()
        } else if (Date.now() - started >= timeoutMs) {
          clearInterval(iv)
          reject(new Error(describe()))
        }
      }, 10)
    })

  const summary = () =>
    requests.map((r) => `${r.method} ${r.url} scenario=${r.scenario} status=${r.status} aborted=${r.aborted}`).join('\n  ') ||
    '(none)'

  return {
    url: `${origin}/v1`,
    origin,
    requests,
    get chatRequests() {
      return requests.filter((r) => r.method === 'POST' && r.path === '/v1/chat/completions')
    },
    get aborted() {
      return aborted
    },
    async waitForRequests(n, timeoutMs = 5000) {
      await poll(
        () => requests.length >= n,
        timeoutMs,
        () => `fake OpenAI: expected ${n} request(s) within ${timeoutMs} ms, got ${requests.length}:\n  ${summary()}`,
      )
      return requests
    },
    waitForAborted(n, timeoutMs = 5000) {
      return poll(
        () => aborted >= n,
        timeoutMs,
        () => `fake OpenAI: expected ${n} aborted request(s) within ${timeoutMs} ms, got ${aborted}:\n  ${summary()}`,
      )
    },
    reset() {
      requests.length = 0
      aborted = 0
    },
    close() {
      closing = true
      for (const t of timers) {
        clearTimeout(t.timer)
        t.resolve()
      }
      timers.clear()
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const s of sockets) s.destroy()
      })
    },
  }
}
