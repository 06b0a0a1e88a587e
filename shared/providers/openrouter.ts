import { openAICompatible } from './openai-compatible.ts'

// OpenRouter ids are `vendor/model`; it owns no bare family, so it is reached by prefix or as the default.
// It always reports usage (and its billed `cost`) in the last chunk.
export const openrouter = openAICompatible({
  id: 'openrouter',
  defaultBaseUrl: 'https://openrouter.ai/api/v1',
  hostnames: ['openrouter.ai'],
  streamUsageOption: false,
})
