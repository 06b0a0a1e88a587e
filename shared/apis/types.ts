/**
 * What the proxy needs from each wire format it speaks (OpenAI Chat, OpenAI Responses, Anthropic
 * Messages, Gemini generateContent), so one relay can serve them all. One folder per API implements it.
 */
import type { CompletionResult, Json, JsonObject } from '../types.ts'

/** What an event needs from a client request, in `@posthog/ai` shapes. */
export interface RequestSummary {
  /** `$ai_input`: the system prompt first as a `system` message, then the conversation. */
  input: Json[]
  /** `$ai_tools`: the request's tool definitions as sent, or null. */
  tools: Json[] | null
  /** `$ai_model_parameters`: the generation parameters present in the request, as sent. */
  modelParameters: JsonObject
}

/**
 * Merges a streamed response one SSE event at a time. `result()` also works on a stream that was cut
 * mid-way (it returns what arrived).
 */
export interface StreamAccumulator {
  /**
   * Adds one SSE event: its `event:` name (Anthropic names its events; null when absent) and its
   * `data:` parsed as JSON. Returns true when the event carried output (text or a tool call): the
   * first such event marks the time to first token.
   */
  add(data: unknown, eventName: string | null): boolean
  result(): CompletionResult
  /** The failure an event inside the stream reported (Anthropic `error`, Responses `response.failed`), if any. */
  error?(): UpstreamError | null
}

/** An upstream error, read from its body in the upstream's own format. */
export interface UpstreamError {
  message: string
  type: string | null
  code: string | null
}

/**
 * Turns a native upstream stream into another wire format, one upstream SSE event at a time
 * (e.g. Anthropic events into OpenAI `chat.completion.chunk`s). Output is framed SSE text.
 */
export interface StreamTranslator {
  /** One upstream event in; zero or more complete client SSE events (`data: …\n\n`) out. */
  push(data: unknown, eventName: string | null): string
  /** After the upstream's last event: whatever must close the stream (e.g. a usage chunk, `data: [DONE]`). */
  end(): string
}
