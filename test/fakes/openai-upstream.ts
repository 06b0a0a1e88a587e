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
 *
 * `POST /v1/responses` speaks the Responses format (JSON, and with `stream: true` the typed SSE events,
 * each with `event:` and `sequence_number`), choosing a scenario from the last user text of `input`
 * (a string, or the last user message's string or `input_text` parts). The chat scenarios apply,
 * `tool-calls` giving `function_call` output items, plus:
 *
 *   "scenario:failed"            stream: 3 text deltas, then `response.failed` (non-stream: 500 server_error)
 *
 * `POST /v1/embeddings` answers one deterministic vector per input (`fakeEmbedding`), as floats or as
 * base64 float32 per `encoding_format`, `dimensions` long (default 8). An input string starting with
 * `scenario:error-400|error-429|error-500|hang` picks that scenario.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { closeNow, headerRecord, listenOnLoopback, waitUntil } from './http.ts'

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

/** A usage block in the Responses API's names. */
export interface FakeResponsesUsage {
  input_tokens: number
  input_tokens_details: { cached_tokens: number }
  output_tokens: number
  output_tokens_details: { reasoning_tokens: number }
  total_tokens: number
  cost?: number
}

/** The same counts as a Chat usage block, under the Responses API's names. */
function responsesUsage(u: FakeUsage): FakeResponsesUsage {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details.cached_tokens },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details.reasoning_tokens },
    total_tokens: u.total_tokens,
    ...(u.cost !== undefined ? { cost: u.cost } : {}),
  }
}

/** Usage block a `/v1/responses` answer reports, per scenario (the counts of FAKE_USAGE). */
export const FAKE_RESPONSES_USAGE = {
  default: responsesUsage(FAKE_USAGE.default),
  'tool-calls': responsesUsage(FAKE_USAGE['tool-calls']),
  cached: responsesUsage(FAKE_USAGE.cached),
} satisfies Record<string, FakeResponsesUsage>

/** The `function_call` output items of `scenario:tool-calls` on `/v1/responses` (the calls of FAKE_TOOL_CALLS). */
export const FAKE_FUNCTION_CALLS = FAKE_TOOL_CALLS.map((call) => ({
  id: call.id.replace(/^call_/, 'fc_'),
  type: 'function_call' as const,
  status: 'completed' as const,
  arguments: call.function.arguments,
  call_id: call.id,
  name: call.function.name,
}))

/** The `error` of the failed response `scenario:failed` streams on `/v1/responses`. */
export const RESPONSE_FAILED_ERROR = {
  code: 'server_error',
  message:
    'An error occurred while processing your request. You can retry your request, or contact us through our help center at help.openai.com if the error persists.',
}

/** What `/v1/embeddings` answers to `scenario:error-400`. */
export const EMBEDDINGS_ERROR_400_BODY = {
  error: {
    message:
      "This model's maximum context length is 8192 tokens, however you requested 8220 tokens (8220 in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
    type: 'invalid_request_error',
    param: null,
    code: null,
  },
}

/** Vector length `/v1/embeddings` answers when the request sets no `dimensions`. */
export const FAKE_EMBEDDING_DIMENSIONS = 8

/**
 * The vector the fake answers for one input: a hash of it spread over `dimensions` values, each a
 * multiple of 1/1024 in [-1, 1], so it survives the float32 round trip of base64 unchanged.
 */
export function fakeEmbedding(input: string | number[], dimensions = FAKE_EMBEDDING_DIMENSIONS): number[] {
  const key = typeof input === 'string' ? input : input.join(',')
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193)
  return Array.from({ length: dimensions }, (_, i) => {
    const h = Math.imul(hash ^ (i + 1), 0x9e3779b1) >>> 0
    return ((h % 2049) - 1024) / 1024
  })
}

/** Tokens the fake counts for one embeddings input: a token list's length, about 4 characters a token for text. */
export function fakeEmbeddingTokens(input: string | number[]): number {
  return typeof input === 'string' ? Math.max(1, Math.ceil(input.length / 4)) : input.length
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
  /** Scenario name chosen for this request (`default` for a normal answer), null for `/v1/models`, unknown routes and rejected bodies. */
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
  /** Requests to `POST /v1/responses` only. */
  readonly responsesRequests: RecordedRequest[]
  /** Requests to `POST /v1/embeddings` only. */
  readonly embeddingsRequests: RecordedRequest[]
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
const POST_ROUTES = new Set(['/v1/chat/completions', '/v1/responses', '/v1/embeddings'])

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
  return scenarioIn(lastMessageText(body))
}

/** Scenario named by a Responses request body (its last user text), `default` when none. */
export function responsesScenarioOf(body: unknown): string {
  return scenarioIn(lastUserInputText(body))
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}

function scenarioIn(text: string | null): string {
  const m = text ? SCENARIO_RE.exec(text) : null
  return m?.[1] ?? 'default'
}

/** Text of the last user message of a Responses `input`: a string, a string item, or `input_text` parts. */
function lastUserInputText(body: unknown): string | null {
  const input = asRecord(body)?.input
  if (typeof input === 'string') return input
  if (!Array.isArray(input)) return null
  for (let i = input.length - 1; i >= 0; i--) {
    const item: unknown = input[i]
    if (typeof item === 'string') return item
    const message = asRecord(item)
    if (message?.role !== 'user') continue
    if (typeof message.content === 'string') return message.content
    if (!Array.isArray(message.content)) return null
    let text = ''
    for (const part of message.content) {
      const p = asRecord(part)
      if (p?.type === 'input_text' && typeof p.text === 'string') text += p.text
    }
    return text
  }
  return null
}

/** A token list: a non-empty array of integers. */
function isTokenList(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((n) => Number.isInteger(n))
}

/** The inputs of an Embeddings request, one per vector; null when `input` is not a valid one. */
function embeddingInputs(input: unknown): (string | number[])[] | null {
  if (typeof input === 'string') return input === '' ? null : [input]
  if (isTokenList(input)) return [input]
  if (!Array.isArray(input) || input.length === 0) return null
  const inputs: (string | number[])[] = []
  for (const item of input) {
    if ((typeof item === 'string' && item !== '') || isTokenList(item)) inputs.push(item)
    else return null
  }
  return inputs
}

/** Scenario named by the first text input of an Embeddings request, `default` when none. */
function embeddingsScenarioOf(body: unknown): string {
  const input = asRecord(body)?.input
  const first = Array.isArray(input) ? input.find((item) => typeof item === 'string') : input
  return scenarioIn(typeof first === 'string' ? first : null)
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
    if (!POST_ROUTES.has(rec.path)) {
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
    const chat = rec.path === '/v1/chat/completions'
    if (chat && !Array.isArray(body.messages)) {
      return sendJSON(res, rec, 400, openAIError("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter'))
    }
    // As OpenAI answers for its reasoning models (o1, o3, o4-mini, gpt-5, ...).
    if (chat && 'max_tokens' in body && /^(o\d|gpt-5)/.test(body.model)) {
      return sendJSON(
        res,
        rec,
        400,
        openAIError(
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
          'max_tokens',
          'unsupported_parameter',
        ),
      )
    }

    const embeddings = rec.path === '/v1/embeddings'
    const scenario = chat ? scenarioOf(body) : embeddings ? embeddingsScenarioOf(body) : responsesScenarioOf(body)
    rec.scenario = scenario
    switch (scenario) {
      case 'error-400':
        return sendJSON(res, rec, 400, embeddings ? EMBEDDINGS_ERROR_400_BODY : ERROR_400_BODY)
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

    if (embeddings) return answerEmbeddings(res, rec, body)
    const plan = planFor(scenario)
    if (!chat) return answerResponses(req, res, rec, body, scenario === 'failed', plan, markDestroyed)
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

  /** `POST /v1/responses`: the completed response as JSON, or its typed events as SSE. */
  async function answerResponses(
    req: IncomingMessage,
    res: ServerResponse,
    rec: RecordedRequest,
    body: Record<string, unknown>,
    failed: boolean,
    plan: CompletionPlan,
    markDestroyed: () => void,
  ) {
    const id = `resp_${randomBytes(24).toString('hex')}`
    const messageId = `msg_${randomBytes(24).toString('hex')}`
    const createdAt = Math.floor(Date.now() / 1000)
    const text = plan.pieces.join('')
    const usage = responsesUsage(plan.usage)
    const outputText = (t: string) => ({ type: 'output_text', annotations: [], logprobs: [], text: t })
    const message = (status: string, t: string) => ({
      id: messageId,
      type: 'message',
      status,
      content: [outputText(t)],
      role: 'assistant',
    })
    const output = plan.toolCalls ? FAKE_FUNCTION_CALLS : [message('completed', text)]
    // The request's settings are echoed back, as the API does.
    const response = (status: string, rest: Record<string, unknown> = {}) => ({
      id,
      object: 'response',
      created_at: createdAt,
      status,
      background: false,
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      max_tool_calls: body.max_tool_calls ?? null,
      model: reportedModel(body.model),
      output: [],
      parallel_tool_calls: body.parallel_tool_calls ?? true,
      previous_response_id: body.previous_response_id ?? null,
      reasoning: body.reasoning ?? { effort: null, summary: null },
      service_tier: 'default',
      store: body.store ?? true,
      temperature: body.temperature ?? 1.0,
      text: body.text ?? { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: body.tool_choice ?? 'auto',
      tools: body.tools ?? [],
      top_logprobs: body.top_logprobs ?? 0,
      top_p: body.top_p ?? 1.0,
      truncation: body.truncation ?? 'disabled',
      usage: null,
      user: body.user ?? null,
      metadata: body.metadata ?? {},
      ...rest,
    })
    const completed = () => response('completed', { completed_at: createdAt, output, usage })

    if (body.stream !== true) {
      if (failed) return sendJSON(res, rec, 500, ERROR_500_BODY)
      if (plan.resetAfter !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' })
        res.write(`{"id":"${id}","object":"response","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"Hel`)
        markDestroyed()
        setTimeout(() => req.socket.destroy(), 20)
        return
      }
      return sendJSON(res, rec, 200, completed())
    }

    // --- streaming: typed events, numbered when written ---
    const events: { type: string; [key: string]: unknown }[] = [
      { type: 'response.created', response: response('in_progress') },
      { type: 'response.in_progress', response: response('in_progress') },
    ]
    const cut = failed || plan.resetAfter !== undefined
    if (plan.toolCalls) {
      FAKE_FUNCTION_CALLS.forEach((call, index) => {
        events.push({ type: 'response.output_item.added', output_index: index, item: { ...call, status: 'in_progress', arguments: '' } })
        for (const delta of splitEvery(call.arguments, 9)) {
          events.push({ type: 'response.function_call_arguments.delta', item_id: call.id, output_index: index, delta })
        }
        events.push({ type: 'response.function_call_arguments.done', item_id: call.id, output_index: index, arguments: call.arguments })
        events.push({ type: 'response.output_item.done', output_index: index, item: call })
      })
    } else {
      const at = { item_id: messageId, output_index: 0, content_index: 0 }
      events.push({ type: 'response.output_item.added', output_index: 0, item: { ...message('in_progress', ''), content: [] } })
      events.push({ type: 'response.content_part.added', ...at, part: outputText('') })
      for (const delta of failed ? RESET_PIECES : plan.pieces) {
        events.push({ type: 'response.output_text.delta', ...at, delta, logprobs: [] })
      }
      if (!cut) {
        events.push({ type: 'response.output_text.done', ...at, text, logprobs: [] })
        events.push({ type: 'response.content_part.done', ...at, part: outputText(text) })
        events.push({ type: 'response.output_item.done', output_index: 0, item: message('completed', text) })
      }
    }
    if (failed) events.push({ type: 'response.failed', response: response('failed', { error: RESPONSE_FAILED_ERROR }) })
    else if (!cut) events.push({ type: 'response.completed', response: completed() })

    rec.status = 200
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': randomId('req_', 32),
      'openai-processing-ms': '42',
    })
    res.flushHeaders()

    for (const [sequence, event] of events.entries()) {
      if (sequence > 0 && plan.delayMs > 0) await sleep(plan.delayMs)
      if (closing || res.destroyed || rec.aborted) return
      const data = JSON.stringify({ ...event, sequence_number: sequence })
      rec.chunkWrites.push(performance.now())
      rec.chunks.push(data)
      // Each event is handed to the socket before the next is written.
      await new Promise<void>((resolve) => res.write(`event: ${event.type}\ndata: ${data}\n\n`, () => resolve()))
    }

    if (plan.resetAfter !== undefined) {
      await sleep(30)
      if (closing || res.destroyed) return
      markDestroyed()
      req.socket.destroy()
      return
    }
    res.end()
  }

  /** `POST /v1/embeddings`: one vector per input, floats or base64 float32. */
  function answerEmbeddings(res: ServerResponse, rec: RecordedRequest, body: Record<string, unknown>) {
    const inputs = embeddingInputs(body.input)
    if (!inputs) {
      return sendJSON(res, rec, 400, openAIError("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."))
    }
    const { dimensions } = body
    const size = typeof dimensions === 'number' && Number.isInteger(dimensions) && dimensions > 0 ? dimensions : FAKE_EMBEDDING_DIMENSIONS
    const base64 = body.encoding_format === 'base64'
    const tokens = inputs.reduce((sum, input) => sum + fakeEmbeddingTokens(input), 0)
    return sendJSON(res, rec, 200, {
      object: 'list',
      data: inputs.map((input, index) => {
        const vector = fakeEmbedding(input, size)
        return {
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
        }
      }),
      model: reportedModel(body.model),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    })
  }

  const port = await listenOnLoopback(server)
  const origin = `http://127.0.0.1:${port}`

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
    get responsesRequests() {
      return requests.filter((r) => r.method === 'POST' && r.path === '/v1/responses')
    },
    get embeddingsRequests() {
      return requests.filter((r) => r.method === 'POST' && r.path === '/v1/embeddings')
    },
    get aborted() {
      return aborted
    },
    async waitForRequests(n, timeoutMs = 5000) {
      await waitUntil(
        () => requests.length >= n,
        timeoutMs,
        () => `fake OpenAI: expected ${n} request(s) within ${timeoutMs} ms, got ${requests.length}:\n  ${summary()}`,
      )
      return requests
    },
    waitForAborted(n, timeoutMs = 5000) {
      return waitUntil(
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
      return closeNow(server, sockets)
    },
  }
}
