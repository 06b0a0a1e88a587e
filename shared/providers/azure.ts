import type { ProviderDefinition } from './types.ts'
import { openAICompatible } from './openai-compatible.ts'

// Azure OpenAI's v1 API (`https://{resource}.openai.azure.com/openai/v1`) speaks OpenAI Chat Completions
// but authenticates with an `api-key` header. The resource URL is per customer: no default.
export const azure: ProviderDefinition = {
  ...openAICompatible({ id: 'azure', defaultBaseUrl: null, hostnames: ['.openai.azure.com'] }),
  authHeaders: (apiKey) => ({ 'api-key': apiKey }),
}
