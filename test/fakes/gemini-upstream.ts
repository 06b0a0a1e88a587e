/**
 * A fake Gemini API (generativelanguage.googleapis.com) for tests. Listens on 127.0.0.1 on a random
 * port and speaks the documented v1beta REST format: `POST /v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse` (SSE of GenerateContentResponse chunks, one write each; without
 * `alt=sse`, a JSON array of them, as the real API does) and `GET /v1beta/models`.
 *
 * Auth as Google does it: the key in `x-goog-api-key` or `?key=` (recorded in `keySource`, so proxy
 * tests can assert the key never travels in the URL); no key 403 PERMISSION_DENIED, a wrong one 400
 * INVALID_ARGUMENT / API_KEY_INVALID.
 *
 * The scenario comes from the text of the last user turn, when it starts with `scenario:<name>`:
 *   "scenario:function-call"  one functionCall part (get_weather, with a thought signature), finishReason STOP
 *   "scenario:thinking"       the default answer with thoughtsTokenCount 120 (and a thought summary part
 *                             first when generationConfig.thinkingConfig.includeThoughts is true)
 *   "scenario:cached"         the default answer; 1000 prompt tokens of which 800 cached
 *   "scenario:max-tokens"     the answer cut after two pieces, finishReason MAX_TOKENS
 *   "scenario:safety"         no content, finishReason SAFETY with safety ratings
 *   "scenario:error-400"      400 INVALID_ARGUMENT
 *   "scenario:error-429"      429 RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo details
 *   "scenario:error-500"      500 INTERNAL
 *   anything else             FAKE_GEMINI_TEXT, usage 9 / 7
 * Every answer reports the requested model in `modelVersion`; the last chunk of a stream carries the
 * finishReason and the complete usageMetadata (earlier ones carry the prompt count only).
 */
import { createServer, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { closeNow, headerRecord, listenOnLoopback, waitUntil } from './http.ts'

/** The API key the fake accepts unless startFakeGemini is given another. */
export const FAKE_GEMINI_KEY = 'fake-gemini-key-0123456789'

/** Text of the default answer, and how a stream splits it (joined, the pieces give the text). */
export const FAKE_GEMINI_TEXT_PIECES = ['Hello', ' from', ' the', ' fake', ' Gemini!']
export const FAKE_GEMINI_TEXT = FAKE_GEMINI_TEXT_PIECES.join('')
/** Text of `scenario:max-tokens`: the first two pieces. */
export const FAKE_GEMINI_TRUNCATED_TEXT = FAKE_GEMINI_TEXT_PIECES.slice(0, 2).join('')
/** The thought summary `scenario:thinking` sends when thoughts are asked for. */
export const FAKE_GEMINI_THOUGHT = '**Greeting the user**\nA short, friendly hello fits best.'

/** The function call of `scenario:function-call`, and the signature Gemini attaches to it. */
export const FAKE_GEMINI_FUNCTION_CALL = { name: 'get_weather', args: { location: 'Paris, France', unit: 'celsius' } }
export const FAKE_GEMINI_THOUGHT_SIGNATURE = 'CsQBAdHtim9fakeSignatureOfTheFakeGeminiUpstream0123456789'

export interface FakeGeminiUsage {
  promptTokenCount: number
  candidatesTokenCount?: number
  totalTokenCount: number
  cachedContentTokenCount?: number
  thoughtsTokenCount?: number
  promptTokensDetails: { modality: string; tokenCount: number }[]
  cacheTokensDetails?: { modality: string; tokenCount: number }[]
}

function usage(prompt: number, candidates: number, extra: { cached?: number; thoughts?: number } = {}): FakeGeminiUsage {
  const u: FakeGeminiUsage = {
    promptTokenCount: prompt,
    totalTokenCount: prompt + candidates + (extra.thoughts ?? 0),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  }
  // Like the real API (proto3 JSON), zero counts are left out.
  if (candidates > 0) u.candidatesTokenCount = candidates
  if (extra.cached) {
    u.cachedContentTokenCount = extra.cached
    u.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: extra.cached }]
  }
  if (extra.thoughts) u.thoughtsTokenCount = extra.thoughts
  return u
}

/** Final usageMetadata per scenario (`default` for a normal answer). */
export const FAKE_GEMINI_USAGE = {
  default: usage(9, 7),
  'function-call': usage(68, 21),
  thinking: usage(9, 7, { thoughts: 120 }),
  cached: usage(1000, 7, { cached: 800 }),
  'max-tokens': usage(9, 2),
  safety: usage(12, 0),
} satisfies Record<string, FakeGeminiUsage>

/** Models listed by `GET /v1beta/models`. */
export const FAKE_GEMINI_MODELS = [
  {
    name: 'models/gemini-2.5-flash',
    version: '001',
    displayName: 'Gemini 2.5 Flash',
    description: 'Stable version of Gemini 2.5 Flash, our mid-size multimodal model that supports up to 1 million tokens, released in June of 2025.',
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking: true,
  },
  {
    name: 'models/gemini-2.0-flash',
    version: '2.0',
    displayName: 'Gemini 2.0 Flash',
    description: 'Gemini 2.0 Flash',
    inputTokenLimit: 1048576,
    outputTokenLimit: 8192,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
    temperature: 1,
    topP: 0.95,
    topK: 40,
    maxTemperature: 2,
  },
  {
    name: 'models/text-embedding-004',
    version: '004',
    displayName: 'Text Embedding 004',
    description: 'Obtain a distributed representation of a text.',
    inputTokenLimit: 2048,
    outputTokenLimit: 1,
    supportedGenerationMethods: ['embedContent'],
  },
]

export const GEMINI_ERROR_400_BODY = {
  error: {
    code: 400,
    message: '* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive.\n',
    status: 'INVALID_ARGUMENT',
  },
}
export const GEMINI_ERROR_429_BODY = {
  error: {
    code: 429,
    message:
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    status: 'RESOURCE_EXHAUSTED',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' },
            quotaValue: '10',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' },
    ],
  },
}
export const GEMINI_ERROR_500_BODY = {
  error: {
    code: 500,
    message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    status: 'INTERNAL',
  },
}
export const GEMINI_MISSING_KEY_BODY = {
  error: {
    code: 403,
    message:
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    status: 'PERMISSION_DENIED',
  },
}
export const GEMINI_INVALID_KEY_BODY = {
  error: {
    code: 400,
    message: 'API key not valid. Please pass a valid API key.',
    status: 'INVALID_ARGUMENT',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
    ],
  },
}

export interface GeminiRecordedRequest {
  method: string
  /** Path without the query string, e.g. `/v1beta/models/gemini-2.5-flash:streamGenerateContent`. */
  path: string
  /** Query parameters (the last value of a repeated one). */
  query: Record<string, string>
  /** Request headers, names lower-cased (repeated headers joined with `, `). */
  headers: Record<string, string>
  /** Parsed JSON body; `undefined` when there was no body, the raw string when it was not JSON. */
  body: unknown
  /** Where the API key came from: the `x-goog-api-key` header, the `key` query parameter, or nowhere. */
  keySource: 'header' | 'query' | null
  /** Model and action of a generate call, null for other routes. */
  model: string | null
  action: 'generateContent' | 'streamGenerateContent' | null
  /** Scenario chosen for a generate call (`default` for a normal answer), null for other routes. */
  scenario: string | null
  /** HTTP status the fake sent, null while none was sent. */
  status: number | null
  /** The `data:` payload of each SSE event written. */
  chunks: string[]
  /** `performance.now()` at the moment each SSE event was written (same order as `chunks`). */
  chunkWrites: number[]
  /** True when the client went away before the response ended. */
  aborted: boolean
}

export interface FakeGemini {
  /** Base URL without the API version, as the provider config and `httpOptions.baseUrl` take it. */
  url: string
  /** The key the fake accepts. */
  apiKey: string
  requests: GeminiRecordedRequest[]
  /** generateContent and streamGenerateContent calls only. */
  readonly generateRequests: GeminiRecordedRequest[]
  /** Resolves when at least n requests were received; rejects after timeoutMs. */
  waitForRequests(n: number, timeoutMs?: number): Promise<GeminiRecordedRequest[]>
  /** Forget recorded requests. */
  reset(): void
  /** Stop listening and destroy open sockets. */
  close(): Promise<void>
}

type Obj = Record<string, unknown>

const asObject = (value: unknown): Obj | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : null

const SCENARIO_RE = /^\s*scenario:([a-z0-9-]+)/
const GENERATE_RE = /^\/v1beta\/models\/([A-Za-z0-9._-]+):(generateContent|streamGenerateContent)$/

/** Text of the last user turn of a generateContent body (either field spelling, as the API accepts). */
function lastUserText(body: unknown): string {
  const contents = asObject(body)?.contents
  if (!Array.isArray(contents)) return ''
  const turn = [...contents].reverse().map(asObject).find((c) => c !== null && c.role !== 'model')
  const parts = turn?.parts
  if (!Array.isArray(parts)) return ''
  return parts.map((p) => asObject(p)?.text).filter((t): t is string => typeof t === 'string').join('')
}

/** Scenario named by a generateContent body, `default` when none. */
export function geminiScenarioOf(body: unknown): string {
  return SCENARIO_RE.exec(lastUserText(body))?.[1] ?? 'default'
}

function wantsThoughts(body: unknown): boolean {
  const b = asObject(body)
  const config = asObject(b?.generationConfig ?? b?.generation_config)
  const thinking = asObject(config?.thinkingConfig ?? config?.thinking_config)
  return (thinking?.includeThoughts ?? thinking?.include_thoughts) === true
}

/** A base64url id like Gemini's `responseId`. */
function responseId(): string {
  return randomBytes(17).toString('base64url')
}

type Part = Record<string, unknown>

interface Plan {
  /** Parts of each chunk in order (a stream sends one chunk per entry). */
  chunks: Part[][]
  finishReason: 'STOP' | 'MAX_TOKENS' | 'SAFETY'
  usage: FakeGeminiUsage
}

function planFor(scenario: string, body: unknown): Plan {
  const text = (pieces: string[]): Part[][] => pieces.map((piece) => [{ text: piece }])
  switch (scenario) {
    case 'function-call':
      return {
        chunks: [[{ functionCall: FAKE_GEMINI_FUNCTION_CALL, thoughtSignature: FAKE_GEMINI_THOUGHT_SIGNATURE }]],
        finishReason: 'STOP',
        usage: FAKE_GEMINI_USAGE['function-call'],
      }
    case 'thinking': {
      const chunks = text(FAKE_GEMINI_TEXT_PIECES)
      if (wantsThoughts(body)) chunks.unshift([{ text: FAKE_GEMINI_THOUGHT, thought: true }])
      return { chunks, finishReason: 'STOP', usage: FAKE_GEMINI_USAGE.thinking }
    }
    case 'cached':
      return { chunks: text(FAKE_GEMINI_TEXT_PIECES), finishReason: 'STOP', usage: FAKE_GEMINI_USAGE.cached }
    case 'max-tokens':
      return { chunks: text(FAKE_GEMINI_TEXT_PIECES.slice(0, 2)), finishReason: 'MAX_TOKENS', usage: FAKE_GEMINI_USAGE['max-tokens'] }
    case 'safety':
      return { chunks: [], finishReason: 'SAFETY', usage: FAKE_GEMINI_USAGE.safety }
    default:
      return { chunks: text(FAKE_GEMINI_TEXT_PIECES), finishReason: 'STOP', usage: FAKE_GEMINI_USAGE.default }
  }
}

const SAFETY_RATINGS = [
  { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
]

/** The whole answer as one GenerateContentResponse. */
function wholeResponse(plan: Plan, model: string, id: string): Obj {
  const parts = plan.chunks.flat()
  const candidate: Obj =
    plan.finishReason === 'SAFETY'
      ? { finishReason: 'SAFETY', index: 0, safetyRatings: SAFETY_RATINGS }
      : { content: { parts: mergeText(parts), role: 'model' }, finishReason: plan.finishReason, index: 0 }
  return { candidates: [candidate], usageMetadata: plan.usage, modelVersion: model, responseId: id }
}

/** Adjacent answer-text parts as one part, as a non-streamed response has them. */
function mergeText(parts: Part[]): Part[] {
  const out: Part[] = []
  for (const part of parts) {
    const last = out[out.length - 1]
    if (last && typeof last.text === 'string' && typeof part.text === 'string' && !last.thought && !part.thought) {
      out[out.length - 1] = { text: last.text + part.text }
    } else out.push(part)
  }
  return out
}

/** The answer as stream chunks: prompt-only usage until the last chunk, which finishes and has it all. */
function streamChunks(plan: Plan, model: string, id: string): Obj[] {
  if (plan.chunks.length === 0) return [wholeResponse(plan, model, id)]
  const partial = { promptTokenCount: plan.usage.promptTokenCount, totalTokenCount: plan.usage.promptTokenCount, promptTokensDetails: plan.usage.promptTokensDetails }
  return plan.chunks.map((parts, i) => {
    const last = i === plan.chunks.length - 1
    const candidate: Obj = { content: { parts, role: 'model' }, index: 0 }
    if (last) candidate.finishReason = plan.finishReason
    return { candidates: [candidate], usageMetadata: last ? plan.usage : partial, modelVersion: model, responseId: id }
  })
}

export async function startFakeGemini(options: { apiKey?: string } = {}): Promise<FakeGemini> {
  const apiKey = options.apiKey ?? FAKE_GEMINI_KEY
  const requests: GeminiRecordedRequest[] = []
  const sockets = new Set<Socket>()
  let closing = false

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const headers = headerRecord(req)
    const headerKey = headers['x-goog-api-key']
    const queryKey = url.searchParams.get('key')
    const rec: GeminiRecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: undefined,
      keySource: headerKey !== undefined ? 'header' : queryKey !== null ? 'query' : null,
      model: null,
      action: null,
      scenario: null,
      status: null,
      chunks: [],
      chunkWrites: [],
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
      handle(res, rec, headerKey ?? queryKey).catch(() => {
        if (!res.headersSent) sendJSON(res, rec, 500, GEMINI_ERROR_500_BODY)
        else res.destroy()
      })
    })
  })

  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  function sendJSON(res: ServerResponse, rec: GeminiRecordedRequest, status: number, body: unknown) {
    rec.status = status
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': Buffer.byteLength(text),
      vary: 'Origin, X-Origin, Referer',
      'server-timing': 'gfet4t7; dur=42',
    })
    res.end(text)
  }

  const notFound = (res: ServerResponse, rec: GeminiRecordedRequest, message: string) =>
    sendJSON(res, rec, 404, { error: { code: 404, message, status: 'NOT_FOUND' } })

  async function handle(res: ServerResponse, rec: GeminiRecordedRequest, key: string | null) {
    if (key === null || key === '') return sendJSON(res, rec, 403, GEMINI_MISSING_KEY_BODY)
    if (key !== apiKey) return sendJSON(res, rec, 400, GEMINI_INVALID_KEY_BODY)

    if (rec.path === '/v1beta/models') {
      if (rec.method !== 'GET') return notFound(res, rec, `Method ${rec.method} is not allowed for ${rec.path}.`)
      return sendJSON(res, rec, 200, { models: FAKE_GEMINI_MODELS })
    }
    const match = GENERATE_RE.exec(rec.path)
    if (!match || rec.method !== 'POST') return notFound(res, rec, `${rec.method} ${rec.path} is not a Gemini API method.`)
    const model = match[1] as string
    rec.model = model
    rec.action = match[2] as 'generateContent' | 'streamGenerateContent'

    if (typeof rec.body === 'string') {
      return sendJSON(res, rec, 400, { error: { code: 400, message: 'Invalid JSON payload received. Unexpected token.', status: 'INVALID_ARGUMENT' } })
    }
    const contents = asObject(rec.body)?.contents
    if (!Array.isArray(contents) || contents.length === 0) {
      return sendJSON(res, rec, 400, {
        error: { code: 400, message: '* GenerateContentRequest.contents: contents is not specified\n', status: 'INVALID_ARGUMENT' },
      })
    }

    const scenario = geminiScenarioOf(rec.body)
    rec.scenario = scenario
    if (scenario === 'error-400') return sendJSON(res, rec, 400, GEMINI_ERROR_400_BODY)
    if (scenario === 'error-429') return sendJSON(res, rec, 429, GEMINI_ERROR_429_BODY)
    if (scenario === 'error-500') return sendJSON(res, rec, 500, GEMINI_ERROR_500_BODY)

    const plan = planFor(scenario, rec.body)
    const id = responseId()
    if (rec.action === 'generateContent') return sendJSON(res, rec, 200, wholeResponse(plan, model, id))
    const events = streamChunks(plan, model, id)
    if (rec.query.alt !== 'sse') return sendJSON(res, rec, 200, events)

    rec.status = 200
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'server-timing': 'gfet4t7; dur=42',
    })
    res.flushHeaders()
    for (const event of events) {
      if (closing || res.destroyed || rec.aborted) return
      const data = JSON.stringify(event)
      rec.chunkWrites.push(performance.now())
      rec.chunks.push(data)
      // Gemini ends SSE events with CRLF line breaks; each is flushed before the next is written.
      await new Promise<void>((resolve) => res.write(`data: ${data}\r\n\r\n`, () => resolve()))
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    res.end()
  }

  const port = await listenOnLoopback(server)
  const url = `http://127.0.0.1:${port}`

  return {
    url,
    apiKey,
    requests,
    get generateRequests() {
      return requests.filter((r) => r.action !== null)
    },
    async waitForRequests(n, timeoutMs = 5000) {
      await waitUntil(() => requests.length >= n, timeoutMs, () => `fake Gemini: expected ${n} request(s) within ${timeoutMs} ms, got ${requests.length}`)
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
