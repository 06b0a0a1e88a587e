import { openAICompatible, startsWithAny } from './openai-compatible.ts'

// Mistral's API has no `stream_options`; it sends usage in the final chunk on its own.
export const mistral = openAICompatible({
  id: 'mistral',
  defaultBaseUrl: 'https://api.mistral.ai/v1',
  hostnames: ['api.mistral.ai'],
  ownsModel: startsWithAny('mistral-', 'open-mistral', 'mixtral-', 'codestral-', 'pixtral-', 'ministral-', 'magistral-', 'devstral-'),
  streamUsageOption: false,
})
