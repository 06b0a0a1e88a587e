/**
 * The two sides of the parity test (test/parity/posthog-ai.test.ts):
 * - theirs: `@posthog/ai`'s own wrapper around the provider SDK, the SDK's `fetch` stubbed to serve a
 *   documented response (SSE chunk by chunk), and a posthog-node client whose `capture` records the event;
 * - ours: the same request body (as the SDK put it on the wire) and the same response bytes, read by the
 *   core functions the proxy's routes use, turned into a GenerationRecord as server/analytics/recorder.ts
 *   does, and built by buildGenerationEvent.
 * No network: fetch is stubbed, and every base URL points at 127.0.0.1.
 */
import { vi } from 'vitest'
import { type EventMessage, PostHog } from 'posthog-node'
import { uuidv7 } from 'uuidv7'
import { completionFromMessagesJson } from '../../shared/apis/anthropic/completion.ts'
import { summarizeMessagesRequest } from '../../shared/apis/anthropic/request.ts'
import { MessagesStreamAccumulator } from '../../shared/apis/anthropic/stream.ts'
import { completionFromGenerateContentJson } from '../../shared/apis/gemini/completion.ts'
import { parseModelAction, summarizeGenerateContentRequest } from '../../shared/apis/gemini/request.ts'
import { GenerateContentStreamAccumulator } from '../../shared/apis/gemini/stream.ts'
import { completionFromResponseJson } from '../../shared/apis/responses/completion.ts'
import { summarizeResponsesRequest } from '../../shared/apis/responses/request.ts'
import { ResponsesStreamAccumulator } from '../../shared/apis/responses/stream.ts'
import type { RequestSummary, StreamAccumulator, UpstreamError } from '../../shared/apis/types.ts'
import { ChatStreamAccumulator, completionFromChatJson } from '../../shared/completion/openai-chat.ts'
import { computeCost } from '../../shared/cost/index.ts'
import { buildGenerationEvent } from '../../shared/event/build.ts'
import { inputFromChatRequest, modelParametersFromChatRequest } from '../../shared/event/input.ts'
import type { PostHogEvent } from '../../shared/event/types.ts'
import { anthropic } from '../../shared/providers/anthropic.ts'
import { gemini } from '../../shared/providers/gemini.ts'
import { openai } from '../../shared/providers/openai.ts'
import type { ProviderDefinition } from '../../shared/providers/types.ts'
import { SseSplitter } from '../../shared/sse/index.ts'
import type { CompletionResult, JsonObject } from '../../shared/types.ts'
import { VERSION } from '../../server/version.ts'

export type Api = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini-generate-content'

/** Ids both sides are given, so that they can be compared. */
export const DISTINCT_ID = 'user-42'
export const TRACE_ID = 'trace-parity-1'

/** Where the SDKs send their requests; fetch is stubbed, so nothing listens there. */
export const OPENAI_BASE_URL = 'http://127.0.0.1:9/v1'
export const ANTHROPIC_BASE_URL = 'http://127.0.0.1:9'
export const GEMINI_BASE_URL = 'http://127.0.0.1:9'

/** An event as @posthog/ai hands it to `posthog.capture`. */
export interface CapturedEvent {
  event: string
  distinctId: string
  properties: Record<string, unknown>
}

/** A documented upstream answer: a JSON body, or SSE text the stub serves in small network chunks. */
export type Upstream = { kind: 'json'; body: object } | { kind: 'sse'; text: string }

/** What the SDK sent (the body the proxy would receive) and what the wrapper captured. */
export interface TheirSide {
  url: string
  body: JsonObject
  event: CapturedEvent
}

/** SSE text cut every `size` bytes, so events and even UTF-8 characters straddle network chunks. */
export function networkChunks(text: string, size = 41): Uint8Array[] {
  const bytes = new TextEncoder().encode(text)
  const chunks: Uint8Array[] = []
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size))
  return chunks
}

function upstreamResponse(upstream: Upstream): Response {
  if (upstream.kind === 'json') return Response.json(upstream.body, { headers: { 'x-request-id': 'req_parity', 'request-id': 'req_parity' } })
  const chunks = networkChunks(upstream.text)
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks.shift()
      if (chunk) controller.enqueue(chunk)
      else controller.close()
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_parity', 'request-id': 'req_parity' } })
}

/** A fetch for the SDK: records the one request it gets and answers it with `upstream`. */
export function stubFetch(upstream: Upstream) {
  const requests: { url: string; body: JsonObject }[] = []
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith('http://127.0.0.1:')) throw new Error(`parity test tried to reach ${url}`)
    const text = typeof init?.body === 'string' ? init.body : input instanceof Request ? await input.text() : ''
    requests.push({ url, body: JSON.parse(text) as JsonObject })
    return upstreamResponse(upstream)
  }
  return { fetch, requests }
}

/** A real posthog-node client whose `capture` only records: @posthog/ai calls nothing else on it here. */
export function recordingPostHog() {
  const events: CapturedEvent[] = []
  const posthog = new PostHog('phc_parity_test', { host: 'http://127.0.0.1:9', flushAt: 1, flushInterval: 0 })
  vi.spyOn(posthog, 'capture').mockImplementation((message: EventMessage) => {
    events.push({ event: message.event, distinctId: String(message.distinctId), properties: { ...message.properties } })
  })
  return { posthog, events }
}

export type SdkFetch = ReturnType<typeof stubFetch>['fetch']
/** One call through an @posthog/ai wrapper, given the SDK's fetch and the PostHog client. */
export type WrappedCall = (fetch: SdkFetch, posthog: PostHog) => Promise<void>

/** Runs one wrapped call and returns the single event it captured, with the request the SDK sent. */
export async function captureTheirs(upstream: Upstream, call: WrappedCall): Promise<TheirSide> {
  const stub = stubFetch(upstream)
  const { posthog, events } = recordingPostHog()
  try {
    await call(stub.fetch, posthog)
    // Streamed wrappers capture once their branch of the stream has been read, off the caller's path.
    await vi.waitFor(() => {
      if (events.length === 0) throw new Error('@posthog/ai captured no event')
    })
  } finally {
    await posthog.shutdown()
  }
  if (events.length !== 1 || stub.requests.length !== 1) {
    throw new Error(`expected one request and one event, got ${stub.requests.length} and ${events.length}`)
  }
  const [event] = events as [CapturedEvent]
  const [request] = stub.requests as [{ url: string; body: JsonObject }]
  return { url: request.url, body: request.body, event }
}

/** How one route of the proxy reads its API (the same functions the route and its UpstreamReader use). */
interface RouteReaders {
  provider: ProviderDefinition
  baseUrl: string
  summarize(body: JsonObject): RequestSummary
  requestUrl(baseUrl: string, body: JsonObject, sdkUrl: string): string
  /** Model id as sent upstream (the route's `begun.model`). */
  model(body: JsonObject, sdkUrl: string): string
  stream(body: JsonObject, sdkUrl: string): boolean
  completion(json: unknown): CompletionResult
  accumulator(): StreamAccumulator
}

function geminiTarget(sdkUrl: string) {
  const segment = decodeURIComponent(new URL(sdkUrl).pathname.split('/').pop() ?? '')
  const target = parseModelAction(segment)
  if (!target) throw new Error(`not a generateContent URL: ${sdkUrl}`)
  return target
}

const ROUTES: Record<Api, RouteReaders> = {
  // server/routes/chat-completions.ts (passThrough to an OpenAI upstream) and its chatReader.
  'openai-chat': {
    provider: openai,
    baseUrl: OPENAI_BASE_URL,
    summarize: (body) => ({
      input: inputFromChatRequest(body),
      tools: Array.isArray(body.tools) ? body.tools : null,
      modelParameters: modelParametersFromChatRequest(body),
    }),
    requestUrl: (baseUrl) => `${baseUrl}/chat/completions`,
    model: (body) => String(body.model),
    stream: (body) => body.stream === true,
    completion: completionFromChatJson,
    accumulator: () => new ChatStreamAccumulator(),
  },
  // server/routes/responses.ts and its responsesReader.
  'openai-responses': {
    provider: openai,
    baseUrl: OPENAI_BASE_URL,
    summarize: summarizeResponsesRequest,
    requestUrl: (baseUrl) => `${baseUrl}/responses`,
    model: (body) => String(body.model),
    stream: (body) => body.stream === true,
    completion: completionFromResponseJson,
    accumulator: () => new ResponsesStreamAccumulator(),
  },
  // server/routes/messages.ts and its anthropicReader.
  'anthropic-messages': {
    provider: anthropic,
    baseUrl: ANTHROPIC_BASE_URL,
    summarize: summarizeMessagesRequest,
    requestUrl: (baseUrl) => `${baseUrl}/v1/messages`,
    model: (body) => String(body.model),
    stream: (body) => body.stream === true,
    completion: completionFromMessagesJson,
    accumulator: () => new MessagesStreamAccumulator(),
  },
  // server/routes/gemini.ts and its geminiReader (a JSON object answer: generateContent).
  'gemini-generate-content': {
    provider: gemini,
    baseUrl: GEMINI_BASE_URL,
    summarize: summarizeGenerateContentRequest,
    requestUrl: (baseUrl, _body, sdkUrl) => {
      const { model, action } = geminiTarget(sdkUrl)
      const alt = new URL(sdkUrl).searchParams.get('alt')
      return `${baseUrl}/v1beta/models/${model}:${action}${alt === null ? '' : `?${new URLSearchParams({ alt })}`}`
    },
    model: (_body, sdkUrl) => geminiTarget(sdkUrl).model,
    stream: (_body, sdkUrl) => geminiTarget(sdkUrl).action === 'streamGenerateContent',
    completion: completionFromGenerateContentJson,
    accumulator: () => new GenerateContentStreamAccumulator(),
  },
}

/** Feeds SSE network chunks to an accumulator as server/proxy/sse-relay.ts does (SseSplitter, `data:` JSON, `[DONE]` skipped). */
function accumulate(accumulator: StreamAccumulator, text: string): { firstTokenMs: number | null } {
  const splitter = new SseSplitter()
  const decoder = new TextDecoder()
  let firstTokenMs: number | null = null
  for (const chunk of networkChunks(text)) {
    for (const event of splitter.push(decoder.decode(chunk, { stream: true }))) {
      if (event.data === null || event.data === '[DONE]') continue
      let data: unknown
      try {
        data = JSON.parse(event.data)
      } catch {
        continue
      }
      if (accumulator.add(data, event.event) && firstTokenMs === null) firstTokenMs = performance.now()
    }
  }
  return { firstTokenMs }
}

/** Our event for the request the SDK sent and the same upstream answer. */
export function buildOurs(api: Api, theirs: TheirSide, upstream: Upstream): PostHogEvent {
  const route = ROUTES[api]
  const startedMs = performance.now()
  const startedAt = new Date()
  const { body } = theirs
  const summary = route.summarize(body)
  const model = route.model(body, theirs.url)
  const requestUrl = route.requestUrl(route.baseUrl, body, theirs.url)
  // The proxy calls the URL the SDK would have called: a check that the request is read the same way.
  if (requestUrl !== theirs.url) throw new Error(`the route would call ${requestUrl}, the SDK called ${theirs.url}`)

  let completion: CompletionResult
  let error: UpstreamError | null = null
  let firstTokenMs: number | null = null
  if (upstream.kind === 'json') {
    completion = route.completion(upstream.body)
  } else {
    const accumulator = route.accumulator()
    firstTokenMs = accumulate(accumulator, upstream.text).firstTokenMs
    completion = accumulator.result()
    error = accumulator.error?.() ?? null
  }
  const lastByteMs = performance.now()

  // server/analytics/recorder.ts costOf and emit.
  const cost = completion.usage
    ? computeCost({
        pricesProviderId: route.provider.pricesProviderId,
        models: completion.model && completion.model !== model ? [completion.model, model] : [model],
        usage: completion.usage,
        overrides: {},
        at: startedAt,
      })
    : null
  return buildGenerationEvent({
    eventName: '$ai_generation',
    uuid: uuidv7(),
    startedAt,
    distinctId: DISTINCT_ID,
    provider: route.provider.id,
    requestedModel: model,
    baseUrl: route.baseUrl,
    requestUrl,
    input: summary.input,
    tools: summary.tools,
    modelParameters: summary.modelParameters,
    stream: route.stream(body, theirs.url),
    completion,
    cost,
    httpStatus: 200,
    error,
    latencySeconds: (lastByteMs - startedMs) / 1000,
    timeToFirstTokenSeconds: firstTokenMs === null ? null : (firstTokenMs - startedMs) / 1000,
    traceId: TRACE_ID,
    sessionId: null,
    spanName: null,
    customProperties: {},
    paywallId: 'pw_parity',
    projectId: '12345',
    requestId: 'req_parity_ours',
    privacyMode: false,
    libVersion: VERSION,
  })
}

/** A JSON value with `f` applied to every object in it (deepest first), for the named adjustments. */
export function mapObjects(value: unknown, f: (obj: Record<string, unknown>) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapObjects(item, f))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) out[key] = mapObjects(item, f)
  return f(out)
}

