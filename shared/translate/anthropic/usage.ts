import { usageFromAnthropic } from '../../apis/anthropic/usage.ts'
import type { JsonObject } from '../../types.ts'

/**
 * An Anthropic usage block as OpenAI `usage`. OpenAI counts cached tokens inside `prompt_tokens`, Anthropic
 * beside `input_tokens`: cache reads and writes are added back, so a client billing from prompt_tokens sees
 * every input token. Null unless both input and output counts are known.
 */
export function chatUsageFromAnthropic(usage: unknown): JsonObject | null {
  const u = usageFromAnthropic(usage)
  if (u?.inputTokens == null || u.outputTokens === null) return null
  const cacheRead = u.cacheReadTokens ?? 0
  const promptTokens = u.inputTokens + cacheRead + (u.cacheWriteTokens ?? 0)
  const chat: JsonObject = {
    prompt_tokens: promptTokens,
    completion_tokens: u.outputTokens,
    total_tokens: promptTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: cacheRead },
  }
  if (u.reasoningTokens !== undefined) chat.completion_tokens_details = { reasoning_tokens: u.reasoningTokens }
  return chat
}
