import type { TokenUsage } from '../../types.ts'
import { asObject, count } from '../../json.ts'

/**
 * Normalises Gemini `usageMetadata`, counting the way Google bills and `@pydantic/genai-prices` reads it:
 * - input = promptTokenCount + toolUsePromptTokenCount (tool-use prompts, e.g. search results, are
 *   billed as input), cached tokens inside it (`cacheReportingExclusive: false`);
 * - output = candidatesTokenCount + thoughtsTokenCount: thoughts are billed as output but reported
 *   beside the candidates, while the core's convention is reasoning inside output.
 * Proto3 JSON leaves out zero counts, so an absent candidates/thoughts count on a response that has a
 * total is read from the total (total = prompt + tool-use prompt + candidates + thoughts).
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
  let outputTokens: number | null = null
  if (candidates !== null || thoughts !== null) outputTokens = (candidates ?? 0) + (thoughts ?? 0)
  else if (total !== null && inputTokens !== null && total >= inputTokens) outputTokens = total - inputTokens

  if (inputTokens === null && outputTokens === null) return null
  const result: TokenUsage = { inputTokens, outputTokens, cacheReportingExclusive: false }
  if (cached !== null) result.cacheReadTokens = cached
  if (thoughts !== null) result.reasoningTokens = thoughts
  return result
}
