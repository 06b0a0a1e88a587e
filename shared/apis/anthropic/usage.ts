import type { TokenUsage } from '../../types.ts'
import { asObject, count } from '../../json.ts'

/**
 * Normalises an Anthropic `usage` block (a Message's, or the merge of a stream's `message_start` and
 * `message_delta` usages). Cache reads and writes are reported beside `input_tokens`, not inside it.
 */
export function usageFromAnthropic(usage: unknown): TokenUsage | null {
  const u = asObject(usage)
  if (!u) return null
  const inputTokens = count(u.input_tokens)
  const outputTokens = count(u.output_tokens)
  const cacheWrite = count(u.cache_creation_input_tokens)
  const cacheRead = count(u.cache_read_input_tokens)
  // Thinking tokens are already inside output_tokens; this is the breakdown newer models report.
  const reasoning = count(asObject(u.output_tokens_details)?.thinking_tokens)
  if (inputTokens === null && outputTokens === null && cacheWrite === null && cacheRead === null) return null

  const result: TokenUsage = { inputTokens, outputTokens, cacheReportingExclusive: true }
  if (cacheRead !== null) result.cacheReadTokens = cacheRead
  if (cacheWrite !== null) result.cacheWriteTokens = cacheWrite
  if (reasoning !== null) result.reasoningTokens = reasoning
  return result
}

/**
 * Merges a stream's usage into `merged`: message_start carries the input counts, message_delta the final
 * output count (newer API versions repeat the input counts there). Each non-null field overwrites.
 */
export function mergeStreamUsage(merged: Record<string, unknown>, usage: unknown): void {
  const u = asObject(usage)
  if (!u) return
  for (const [key, value] of Object.entries(u)) {
    if (value !== null && value !== undefined) merged[key] = value
  }
}
