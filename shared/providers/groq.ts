import { openAICompatible } from './openai-compatible.ts'

export const groq = openAICompatible({
  id: 'groq',
  defaultBaseUrl: 'https://api.groq.com/openai/v1',
  hostnames: ['api.groq.com'],
})
