import type { TokenUsage } from '../../types.ts'
import { asObject, count } from '../../json.ts'

/**
 * Normalises Gemini `usageMetadata` the way `@posthog/ai` reports it and Google bills it:
 * - input = promptTokenCount + toolUsePromptTokenCount (tool-use prompts, e.g. search results, are
 *   billed as input), cached tokens inside it (`cacheReportingExclusive: false`);
 * - output = candidatesTokenCount, and thoughtsTokenCount as reasoning beside it
 *   (`reasoningReportingExclusive: true`): PostHog adds thoughts to the output of Gemini events itself,
 *   and the cost adds them too, as Google bills them as output.
 * Proto3 JSON leaves out zero counts, so an absent candidates count on a response that has a total is
 * read from the total (total = prompt + tool-use prompt + candidates + thoughts).
 */
export function usageFromGemini(usageMetadata: unknown): TokenUsage | null {
  const u = asObject(usageMetadata)
  if (!u) return null
  const prompt = count(u.promptTokenCount)
  const toolUse = count(u.toolUsePromptTokenCount)
  const candidates = count(u.candidatesTokenCount)
  const thoughts = count(u.thoughtsTokenCount)
  const total = count(u.totalTokenCount)
  const cached = count(u.cachedContentTokenCount)

  const inputTokens = prompt === null && toolUse === null ? null : (prompt ?? 0) + (toolUse ?? 0)
  let outputTokens = candidates
  if (outputTokens === null && total !== null && inputTokens !== null && total >= inputTokens + (thoughts ?? 0)) {
    outputTokens = total - inputTokens - (thoughts ?? 0)
  }
  if (outputTokens === null && thoughts !== null) outputTokens = 0

  if (inputTokens === null && outputTokens === null) return null
  const result: TokenUsage = { inputTokens, outputTokens, cacheReportingExclusive: false }
  if (cached !== null) result.cacheReadTokens = cached
  if (thoughts !== null) {
    result.reasoningTokens = thoughts
    result.reasoningReportingExclusive = true
  }
  return result
}
