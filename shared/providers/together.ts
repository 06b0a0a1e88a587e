import { openAICompatible } from './openai-compatible.ts'

export const together = openAICompatible({
  id: 'together',
  defaultBaseUrl: 'https://api.together.xyz/v1',
  hostnames: ['api.together.xyz', 'api.together.ai'],
})
