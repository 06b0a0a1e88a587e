/** Reads the usage of an Embeddings response body. */
import type { TokenUsage } from '../../types.ts'
import { usageFromOpenAI } from '../../usage/openai.ts'
import { asObject } from '../../json.ts'

/**
 * Input tokens from `usage.prompt_tokens` (or `total_tokens`, the same number for embeddings, when a
 * host reports only that). An embedding generates no tokens: output is a known 0, so the cost can be
 * computed; the `$ai_embedding` event leaves it out, as @posthog/ai's does.
 */
export function usageFromEmbeddingsJson(body: unknown): TokenUsage | null {
  const raw = asObject(asObject(body)?.usage)
  if (!raw) return null
  const usage = usageFromOpenAI(raw.prompt_tokens === undefined ? { ...raw, prompt_tokens: raw.total_tokens } : raw)
  if (!usage || (usage.inputTokens === null && usage.billedCostUsd === undefined)) return null
  return { ...usage, outputTokens: 0 }
}
