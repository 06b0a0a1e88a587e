import type { TokenUsage } from '../types.ts'
import { asObject, count } from '../json.ts'

/** First valid count among the candidates, in order. */
function firstCount(...values: unknown[]): number | null {
  for (const value of values) {
    const n = count(value)
    if (n !== null) return n
  }
  return null
}

const NUMERIC = /^\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/

/** USD billed by the upstream; a plain numeric string is accepted too. */
function usd(value: unknown): number | null {
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value)
  return count(value)
}

/**
 * Normalises an OpenAI-family `usage` block: Chat Completions (and the OpenAI-compatible hosts:
 * OpenRouter, Together, Groq, Mistral, DeepSeek, xAI) and the Responses API names.
 * Cached tokens are counted inside the input (`cacheReportingExclusive: false`).
 */
export function usageFromOpenAI(usage: unknown): TokenUsage | null {
  const u = asObject(usage)
  if (!u) return null
  const inDetails = asObject(u.prompt_tokens_details) ?? asObject(u.input_tokens_details)
  const outDetails = asObject(u.completion_tokens_details) ?? asObject(u.output_tokens_details)

  const inputTokens = firstCount(u.prompt_tokens, u.input_tokens)
  let outputTokens = firstCount(u.completion_tokens, u.output_tokens)
  // DeepSeek reports cache hits beside the OpenAI field name.
  const cacheRead = firstCount(inDetails?.cached_tokens, u.prompt_cache_hit_tokens)
  const cacheWrite = count(inDetails?.cache_write_tokens)
  const reasoning = count(outDetails?.reasoning_tokens)
  const billed = usd(u.cost)

  // xAI counts reasoning beside completion tokens (total = prompt + completion + reasoning), unlike
  // OpenAI where it is inside; fold it in so reasoning is billed as output once.
  const total = count(u.total_tokens)
  if (
    reasoning && inputTokens !== null && outputTokens !== null && total !== null &&
    total === inputTokens + outputTokens + reasoning
  ) {
    outputTokens += reasoning
  }

  if (inputTokens === null && outputTokens === null && cacheRead === null && billed === null) return null

  const result: TokenUsage = { inputTokens, outputTokens, cacheReportingExclusive: false }
  if (cacheRead !== null) result.cacheReadTokens = cacheRead
  if (cacheWrite !== null) result.cacheWriteTokens = cacheWrite
  if (reasoning !== null) result.reasoningTokens = reasoning
  if (billed !== null) result.billedCostUsd = billed
  return result
}
