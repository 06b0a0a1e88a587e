import type { ProviderDefinition } from './types.ts'
import { startsWithAny } from './openai-compatible.ts'

export const anthropic: ProviderDefinition = {
  id: 'anthropic',
  api: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  hostnames: ['api.anthropic.com'],
  pricesProviderId: 'anthropic',
  ownsModel: startsWithAny('claude-'),
  authHeaders: (apiKey) => ({ 'x-api-key': apiKey }),
  // The SDK sends its own; the proxy's translated requests and other clients get the current one.
  defaultHeaders: { 'anthropic-version': '2023-06-01' },
  streamUsageOption: false,
}
