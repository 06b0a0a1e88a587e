import { openAICompatible } from './openai-compatible.ts'

const FAMILY = /^(gpt-|chatgpt-|o1|o3|o4|text-embedding-|davinci|babbage|omni-moderation|codex-)/i

export const openai = openAICompatible({
  id: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  hostnames: ['api.openai.com'],
  ownsModel: (model) => FAMILY.test(model),
})
