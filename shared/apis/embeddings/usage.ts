/** Reads the usage of an Embeddings response body. */
import type { TokenUsage } from '../../types.ts'
import { usageFromOpenAI } from '../../usage/openai.ts'
import { asObject } from '../../json.ts'

/**
 * Input tokens from `usage.prompt_tokens` (or `total_tokens`, the same number for embeddings, when a
 * host reports only that). An embedding has no output tokens: always null, even where a host reports
 * `completion_tokens: 0`, as @posthog/ai's `$ai_embedding` carries no `$ai_output_tokens`.
 */
export function usageFromEmbeddingsJson(body: unknown): TokenUsage | null {
  const raw = asObject(asObject(body)?.usage)
  if (!raw) return null
  const usage = usageFromOpenAI(raw.prompt_tokens === undefined ? { ...raw, prompt_tokens: raw.total_tokens } : raw)
  if (!usage || (usage.inputTokens === null && usage.billedCostUsd === undefined)) return null
  return { ...usage, outputTokens: null }
}
