import type { CompletionResult, Cost, Json, JsonObject } from '../types.ts'

/** Everything the proxy knows about one routed request once its response has ended. */
export interface GenerationRecord {
  /** `$ai_generation` for chat-style APIs, `$ai_embedding` for embeddings. */
  eventName: '$ai_generation' | '$ai_embedding'
  /** UUIDv7, fixed when the request started, reused on every retry. */
  uuid: string
  /** Request start; becomes the event timestamp. */
  startedAt: Date
  /** End user; `null` sends a personless event keyed by the trace id. */
  distinctId: string | null

  provider: string
  /** Model id as sent upstream (after routing stripped any `provider/` prefix). */
  requestedModel: string
  /** Upstream base URL (from config) and the full URL called. */
  baseUrl: string
  requestUrl: string

  /** `$ai_input`: request messages, system prompt first (OpenAI format kept); an embedding's input as sent. */
  input: Json
  /** Request tool definitions, if any. */
  tools: Json[] | null
  /** Request parameters as the client sent them (temperature, max_tokens, stream, …). */
  modelParameters: JsonObject
  stream: boolean

  /** Merged completion; partial when the stream was cut. */
  completion: CompletionResult
  cost: Cost | null

  /** Upstream status, or the proxy's own code (499, 502, 504). */
  httpStatus: number
  /** Present on failure. */
  error: { message: string; type: string | null; code: string | null } | null

  latencySeconds: number
  timeToFirstTokenSeconds: number | null

  traceId: string
  sessionId: string | null
  spanName: string | null
  /** From `X-Openstack-Property-NAME` headers, names already lower-cased. */
  customProperties: Record<string, string>

  paywallId: string
  projectId: string | null
  requestId: string
  privacyMode: boolean
  libVersion: string
}

/** A capture-ready PostHog event. */
export interface PostHogEvent {
  event: '$ai_generation' | '$ai_embedding'
  distinctId: string
  uuid: string
  timestamp: Date
  properties: Record<string, unknown>
}
