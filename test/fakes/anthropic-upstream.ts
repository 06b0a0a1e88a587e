/**
 * A fake Anthropic API for tests. Listens on 127.0.0.1 on a random port and speaks the documented Messages
 * format (JSON, and SSE with named events written one by one), choosing a scenario from the last user
 * message's text:
 *
 *   "scenario:tool-use"          a text block then a get_weather tool_use block (input streamed in several
 *                                input_json_delta fragments), stop_reason `tool_use`
 *   "scenario:cached"            usage with cache_creation_input_tokens and cache_read_input_tokens
 *   "scenario:thinking"          a thinking block (thinking and signature deltas) before the text
 *   "scenario:max-tokens"        the answer cut short, stop_reason `max_tokens`
 *   "scenario:error-400"         400 invalid_request_error
 *   "scenario:error-429"         429 rate_limit_error + `retry-after: 1`
 *   "scenario:overloaded"        529 overloaded_error
 *   "scenario:error-mid-stream"  stream: message_start, two text deltas, then an `error` event
 *                                (overloaded_error) and the end; non-streamed: the 529 of `overloaded`
 *   "scenario:slow-chunks"       the normal answer, streamed with 80 ms between events
 *   anything else                "Hello from the fake Anthropic upstream!"
 *
 * Every answer reports the requested model. `POST /v1/messages` requires `x-api-key` (401 otherwise) and
 * `anthropic-version` (400 otherwise), like the real API; `GET /v1/models` lists FAKE_ANTHROPIC_MODELS.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { closeNow, headerRecord, listenOnLoopback, waitUntil } from './http.ts'

type JsonObject = Record<string, unknown>

/** Text of the default answer, and how it is split into text_delta events. */
export const FAKE_ANTHROPIC_TEXT_PIECES = ['Hello', ' from', ' the', ' fake', ' Anthropic', ' upstream!']
export const FAKE_ANTHROPIC_TEXT = FAKE_ANTHROPIC_TEXT_PIECES.join('')

/** `scenario:tool-use`: the text before the tool call, and the call. */
export const FAKE_TOOL_TEXT = "I'll check the current weather in Paris for you."
export const FAKE_TOOL_USE = {
  type: 'tool_use' as const,
  id: 'toolu_01FakeWeather0000000001',
  name: 'get_weather',
  input: { location: 'Paris, France', unit: 'celsius' },
}
/** How the tool input is streamed (joined, the JSON of FAKE_TOOL_USE.input); the empty first one is Anthropic's. */
export const FAKE_TOOL_INPUT_PIECES = ['', '{"location": "Par', 'is, France"', ', "unit": "cel', 'sius"}']

/** `scenario:thinking`: the thinking (never output) and the answer after it. */
export const FAKE_THINKING = 'The user greets me; a short greeting back is enough.'
export const FAKE_THINKING_SIGNATURE = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds'

/** `scenario:max-tokens`: the text deltas sent before the limit. */
export const MAX_TOKENS_PIECES = ['Once', ' upon', ' a', ' time']
/** `scenario:error-mid-stream`: the text deltas sent before the error event. */
export const MID_STREAM_PIECES = ['Once', ' upon']

function usage(input: number, output: number, cacheWrite = 0, cacheRead = 0) {
  return {
    input_tokens: input,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: cacheWrite, ephemeral_1h_input_tokens: 0 },
    output_tokens: output,
    service_tier: 'standard',
  }
}

/** Final usage of each answer, per scenario (`default` for a normal answer). */
export const FAKE_ANTHROPIC_USAGE = {
  default: usage(14, 12),
  'tool-use': usage(472, 89),
  cached: usage(24, 12, 1200, 3400),
  thinking: usage(49, 120),
  'max-tokens': usage(14, 4),
  'error-mid-stream': usage(14, 1),
}

export const ANTHROPIC_ERROR_429_BODY = {
  type: 'error',
  error: {
    type: 'rate_limit_error',
    message:
      'Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.',
  },
}
export const ANTHROPIC_OVERLOADED_BODY = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }

/** `scenario:error-400`'s message for a requested model. */
export function error400Message(model: string): string {
  return `max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for ${model}`
}

/** Models listed by `GET /v1/models`, newest first as Anthropic lists them. */
export const FAKE_ANTHROPIC_MODELS = [
  { type: 'model', id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-15T00:00:00Z' },
  { type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
  { type: 'model', id: 'claude-opus-4-1-20250805', display_name: 'Claude Opus 4.1', created_at: '2025-08-05T00:00:00Z' },
]

export interface AnthropicRecordedRequest {
  method: string
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string
  /** Request headers, names lower-cased. */
  headers: Record<string, string>
  /** Parsed JSON body; `undefined` without a body, the raw string when it was not JSON. */
  body: unknown
  /** Scenario of a `POST /v1/messages` (`default` for a normal answer), null for other routes. */
  scenario: string | null
  /** HTTP status the fake sent. */
  status: number | null
  /** The SSE events written, in order. */
  events: { event: string; data: JsonObject }[]
  /** True when the client went away before the response ended. */
  aborted: boolean
}

export interface FakeAnthropic {
  /** Base URL as the Anthropic SDK and the proxy config take it (no `/v1`): `http://127.0.0.1:PORT`. */
  url: string
  requests: AnthropicRecordedRequest[]
  /** Requests to `POST /v1/messages` only. */
  readonly messageRequests: AnthropicRecordedRequest[]
  /** Resolves when at least n requests were received; rejects after timeoutMs. */
  waitForRequests(n: number, timeoutMs?: number): Promise<AnthropicRecordedRequest[]>
  /** Forget recorded requests. */
  reset(): void
  /** Stop listening and destroy open sockets. */
  close(): Promise<void>
}

const SCENARIO_RE = /^\s*scenario:([a-z0-9-]+)/

function asObject(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null
}

/** Text of the last user message: a string, or its text blocks joined (tool results are not text). */
function lastUserText(body: JsonObject): string {
  const messages = Array.isArray(body.messages) ? body.messages : []
  const last = messages.map(asObject).filter((m) => m?.role === 'user').at(-1)
  if (typeof last?.content === 'string') return last.content
  if (!Array.isArray(last?.content)) return ''
  return last.content
    .map(asObject)
    .map((block) => (block?.type === 'text' && typeof block.text === 'string' ? block.text : ''))
    .join('')
}

/** Scenario named by a Messages request body, `default` when none. */
function scenarioOf(body: JsonObject): string {
  return SCENARIO_RE.exec(lastUserText(body))?.[1] ?? 'default'
}

function randomId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let out = prefix
  for (const b of randomBytes(length)) out += alphabet[b % alphabet.length]
  return out
}

function errorBody(type: string, message: string) {
  return { type: 'error', error: { type, message }, request_id: randomId('req_011') }
}

interface Answer {
  content: JsonObject[]
  stopReason: 'end_turn' | 'tool_use' | 'max_tokens'
  usage: ReturnType<typeof usage>
  /** How each block is streamed: the deltas after its (empty) content_block_start. */
  deltas: JsonObject[][]
  delayMs: number
}

function textDeltas(pieces: string[]): JsonObject[] {
  return pieces.map((text) => ({ type: 'text_delta', text }))
}

function answerFor(scenario: string): Answer {
  const text = { content: [{ type: 'text', text: FAKE_ANTHROPIC_TEXT }], deltas: [textDeltas(FAKE_ANTHROPIC_TEXT_PIECES)] }
  switch (scenario) {
    case 'tool-use':
      return {
        content: [{ type: 'text', text: FAKE_TOOL_TEXT }, FAKE_TOOL_USE],
        deltas: [
          textDeltas(["I'll check", ' the current weather', ' in Paris for you.']),
          FAKE_TOOL_INPUT_PIECES.map((partial_json) => ({ type: 'input_json_delta', partial_json })),
        ],
        stopReason: 'tool_use',
        usage: FAKE_ANTHROPIC_USAGE['tool-use'],
        delayMs: 0,
      }
    case 'thinking':
      return {
        content: [{ type: 'thinking', thinking: FAKE_THINKING, signature: FAKE_THINKING_SIGNATURE }, ...text.content],
        deltas: [
          [
            { type: 'thinking_delta', thinking: FAKE_THINKING.slice(0, 20) },
            { type: 'thinking_delta', thinking: FAKE_THINKING.slice(20) },
            { type: 'signature_delta', signature: FAKE_THINKING_SIGNATURE },
          ],
          ...text.deltas,
        ],
        stopReason: 'end_turn',
        usage: FAKE_ANTHROPIC_USAGE.thinking,
        delayMs: 0,
      }
    case 'max-tokens':
      return {
        content: [{ type: 'text', text: MAX_TOKENS_PIECES.join('') }],
        deltas: [textDeltas(MAX_TOKENS_PIECES)],
        stopReason: 'max_tokens',
        usage: FAKE_ANTHROPIC_USAGE['max-tokens'],
        delayMs: 0,
      }
    case 'cached':
      return { ...text, stopReason: 'end_turn', usage: FAKE_ANTHROPIC_USAGE.cached, delayMs: 0 }
    case 'slow-chunks':
      return { ...text, stopReason: 'end_turn', usage: FAKE_ANTHROPIC_USAGE.default, delayMs: 80 }
    default:
      return { ...text, stopReason: 'end_turn', usage: FAKE_ANTHROPIC_USAGE.default, delayMs: 0 }
  }
}

/** A block as content_block_start announces it, before its deltas. */
function emptyBlock(block: JsonObject): JsonObject {
  if (block.type === 'text') return { type: 'text', text: '' }
  if (block.type === 'thinking') return { type: 'thinking', thinking: '', signature: '' }
  return { ...block, input: {} }
}

/** The named events of a streamed answer, in the documented order. */
function streamEvents(id: string, model: string, answer: Answer): { event: string; data: JsonObject }[] {
  const { output_tokens: outputTokens, ...inputUsage } = answer.usage
  const events: { event: string; data: JsonObject }[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
          // message_start carries the input counts; output_tokens is a placeholder until message_delta.
          usage: { ...inputUsage, output_tokens: Math.min(outputTokens, 1) },
        },
      },
    },
  ]
  answer.content.forEach((block, index) => {
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: emptyBlock(block) } })
    if (index === 0) events.push({ event: 'ping', data: { type: 'ping' } })
    for (const delta of answer.deltas[index] ?? []) {
      events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } })
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } })
  })
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } = answer.usage
  events.push({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: answer.stopReason, stop_sequence: null },
      // Cumulative counts, as the API sends them today.
      usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens: outputTokens },
    },
  })
  events.push({ event: 'message_stop', data: { type: 'message_stop' } })
  return events
}

/** `scenario:error-mid-stream`: the start of an answer, then an error event. */
function midStreamErrorEvents(id: string, model: string): { event: string; data: JsonObject }[] {
  const answer: Answer = {
    content: [{ type: 'text', text: '' }],
    deltas: [textDeltas(MID_STREAM_PIECES)],
    stopReason: 'end_turn',
    usage: FAKE_ANTHROPIC_USAGE['error-mid-stream'],
    delayMs: 0,
  }
  const events = streamEvents(id, model, answer)
  const lastDelta = events.findLastIndex((e) => e.event === 'content_block_delta')
  return [...events.slice(0, lastDelta + 1), { event: 'error', data: ANTHROPIC_OVERLOADED_BODY }]
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const requests: AnthropicRecordedRequest[] = []
  let closing = false
  const sockets = new Set<Socket>()

  const server = createServer((req, res) => {
    const rec: AnthropicRecordedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      headers: headerRecord(req),
      body: undefined,
      scenario: null,
      status: null,
      events: [],
      aborted: false,
    }
    requests.push(rec)
    res.on('close', () => {
      if (!res.writableFinished && !closing) rec.aborted = true
    })
    req.on('error', () => {})
    res.on('error', () => {})

    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      if (raw.length > 0) {
        try {
          rec.body = JSON.parse(raw)
        } catch {
          rec.body = raw
        }
      }
      handle(req, res, rec).catch(() => {
        if (!res.headersSent) sendJSON(res, rec, 500, errorBody('api_error', 'Internal server error'))
        else res.destroy()
      })
    })
  })

  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  function sendJSON(res: ServerResponse, rec: AnthropicRecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}) {
    rec.status = status
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'request-id': randomId('req_011'),
      ...headers,
    })
    res.end(text)
  }

  /** Writes one event and waits until it has left, so each event is its own chunk on the wire. */
  async function writeEvent(res: ServerResponse, rec: AnthropicRecordedRequest, event: { event: string; data: JsonObject }) {
    rec.events.push(event)
    await new Promise<void>((resolve) => res.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`, () => resolve()))
    await new Promise<void>((resolve) => setImmediate(resolve))
  }

  async function handle(req: IncomingMessage, res: ServerResponse, rec: AnthropicRecordedRequest) {
    if (!rec.headers['x-api-key']) {
      return sendJSON(res, rec, 401, errorBody('authentication_error', 'x-api-key header is required'))
    }
    if (!rec.headers['anthropic-version']) {
      return sendJSON(res, rec, 400, errorBody('invalid_request_error', 'anthropic-version: header is required'))
    }
    if (rec.method === 'GET' && rec.path === '/v1/models') {
      return sendJSON(res, rec, 200, {
        data: FAKE_ANTHROPIC_MODELS,
        has_more: false,
        first_id: FAKE_ANTHROPIC_MODELS[0]?.id ?? null,
        last_id: FAKE_ANTHROPIC_MODELS.at(-1)?.id ?? null,
      })
    }
    if (rec.method !== 'POST' || rec.path !== '/v1/messages') {
      return sendJSON(res, rec, 404, errorBody('not_found_error', 'Not found'))
    }
    const body = asObject(rec.body)
    if (!body) return sendJSON(res, rec, 400, errorBody('invalid_request_error', 'There was an issue with the format of your request: the body must be a JSON object'))
    for (const field of ['model', 'max_tokens', 'messages']) {
      if (body[field] === undefined) return sendJSON(res, rec, 400, errorBody('invalid_request_error', `${field}: Field required`))
    }
    const model = typeof body.model === 'string' ? body.model : String(body.model)

    const scenario = scenarioOf(body)
    rec.scenario = scenario
    switch (scenario) {
      case 'error-400':
        return sendJSON(res, rec, 400, errorBody('invalid_request_error', error400Message(model)))
      case 'error-429':
        return sendJSON(res, rec, 429, { ...ANTHROPIC_ERROR_429_BODY, request_id: randomId('req_011') }, {
          'retry-after': '1',
          'anthropic-ratelimit-requests-limit': '50',
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': new Date(Date.now() + 1000).toISOString(),
        })
      case 'overloaded':
        return sendJSON(res, rec, 529, { ...ANTHROPIC_OVERLOADED_BODY, request_id: randomId('req_011') })
      case 'error-mid-stream':
        if (body.stream !== true) return sendJSON(res, rec, 529, { ...ANTHROPIC_OVERLOADED_BODY, request_id: randomId('req_011') })
    }

    const id = randomId('msg_01')
    const answer = answerFor(scenario)
    if (body.stream !== true) {
      return sendJSON(res, rec, 200, {
        id, type: 'message', role: 'assistant', model, content: answer.content,
        stop_reason: answer.stopReason, stop_sequence: null, usage: answer.usage,
      })
    }

    rec.status = 200
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': randomId('req_011'),
    })
    res.flushHeaders()
    const events = scenario === 'error-mid-stream' ? midStreamErrorEvents(id, model) : streamEvents(id, model, answer)
    for (const [i, event] of events.entries()) {
      if (i > 0 && answer.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, answer.delayMs))
      if (closing || res.destroyed) return
      await writeEvent(res, rec, event)
    }
    res.end()
  }

  const port = await listenOnLoopback(server)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get messageRequests() {
      return requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages')
    },
    async waitForRequests(n, timeoutMs = 5000) {
      await waitUntil(() => requests.length >= n, timeoutMs, () => `fake Anthropic: expected ${n} request(s) within ${timeoutMs} ms, got ${requests.length}`)
      return requests
    },
    reset() {
      requests.length = 0
    },
    close() {
      closing = true
      return closeNow(server, sockets)
    },
  }
}
