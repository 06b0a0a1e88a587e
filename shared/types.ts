/**
 * Types shared by every module of the core. The core is pure: web standards only, no I/O.
 */

/** JSON value as parsed from a request or response body. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

/**
 * Token usage of one request, normalised from a provider's usage block.
 * Unknown counts are `null`, never a made-up 0.
 */
export interface TokenUsage {
  inputTokens: number | null
  outputTokens: number | null
  cacheReadTokens?: number
  cacheWriteTokens?: number
  reasoningTokens?: number
  /**
   * `false` when cache tokens are counted inside `inputTokens` (OpenAI-style usage),
   * `true` when they are reported beside it (Anthropic-native usage).
   */
  cacheReportingExclusive: boolean
  /**
   * True when `reasoningTokens` are reported beside `outputTokens` and billed on top (Gemini's thoughts),
   * as PostHog reads Gemini events; absent when reasoning is inside the output count (OpenAI-style).
   */
  reasoningReportingExclusive?: boolean
  /** What the upstream says it billed, in USD (OpenRouter `usage.cost`). */
  billedCostUsd?: number
}

/** One part of an assistant message in `$ai_output_choices`, shaped as `@posthog/ai` shapes it. */
export type OutputPart =
  | { type: 'text'; text: string }
  /** `id` is the provider's call id; absent where the provider gives none (Gemini), as in @posthog/ai. */
  | { type: 'function'; id?: string; function: { name: string; arguments: string } }

export interface OutputChoice {
  role: 'assistant'
  content: OutputPart[]
}

/** What a completion (JSON or a merged stream) says about itself. */
export interface CompletionResult {
  /** Upstream completion id (`chatcmpl-…`). */
  id: string | null
  /** Model the upstream reports it served. */
  model: string | null
  choices: OutputChoice[]
  /** Finish reason of the first choice. */
  stopReason: string | null
  usage: TokenUsage | null
}

/** Per-paywall price override, USD per million tokens. */
export interface PriceOverride {
  inputPerMTok: number
  outputPerMTok: number
  cacheReadPerMTok?: number
  cacheWritePerMTok?: number
}

/** USD cost of a request. An upstream-billed cost carries only the total. */
export type Cost =
  | { source: 'upstream'; totalUsd: number }
  | { source: 'override' | 'database'; inputUsd: number; outputUsd: number; totalUsd: number }
