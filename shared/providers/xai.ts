import { openAICompatible, startsWithAny } from './openai-compatible.ts'

export const xai = openAICompatible({
  id: 'xai',
  defaultBaseUrl: 'https://api.x.ai/v1',
  hostnames: ['api.x.ai'],
  pricesProviderId: 'x-ai',
  ownsModel: startsWithAny('grok-'),
})
