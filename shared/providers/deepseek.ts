import { openAICompatible, startsWithAny } from './openai-compatible.ts'

export const deepseek = openAICompatible({
  id: 'deepseek',
  defaultBaseUrl: 'https://api.deepseek.com/v1',
  hostnames: ['api.deepseek.com'],
  ownsModel: startsWithAny('deepseek-'),
})
