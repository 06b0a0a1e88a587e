import type { JsonObject } from '../types.ts'
import { openAICompatible } from './openai-compatible.ts'

const FAMILY = /^(gpt-|chatgpt-|o1|o3|o4|text-embedding-|davinci|babbage|omni-moderation|codex-)/i

/** Models that refuse `max_tokens` ("Use 'max_completion_tokens' instead"): o1, o3, o4-mini, gpt-5, ... */
const MAX_COMPLETION_TOKENS_ONLY = /^(o\d|gpt-5)/i

/**
 * Most clients and no-code tools still send `max_tokens`, which OpenAI's reasoning models refuse with a 400;
 * for them it becomes `max_completion_tokens` (its replacement, same meaning), unless that is set already.
 */
export function useMaxCompletionTokens(body: JsonObject): boolean {
  if (typeof body.model !== 'string' || !MAX_COMPLETION_TOKENS_ONLY.test(body.model) || !('max_tokens' in body)) return false
  if (!('max_completion_tokens' in body)) body.max_completion_tokens = body.max_tokens
  delete body.max_tokens
  return true
}

export const openai = {
  ...openAICompatible({
    id: 'openai',
    defaultBaseUrl: 'https://api.openai.com/v1',
    hostnames: ['api.openai.com'],
    ownsModel: (model) => FAMILY.test(model),
  }),
  adaptChatBody: useMaxCompletionTokens,
}
