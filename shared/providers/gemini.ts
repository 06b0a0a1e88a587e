import type { ProviderDefinition } from './types.ts'
import { startsWithAny } from './openai-compatible.ts'

export const gemini: ProviderDefinition = {
  id: 'gemini',
  api: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  hostnames: ['generativelanguage.googleapis.com'],
  pricesProviderId: 'google',
  ownsModel: startsWithAny('gemini-', 'gemma-'),
  // The key goes in a header, never in the URL, where it would reach access logs.
  authHeaders: (apiKey) => ({ 'x-goog-api-key': apiKey }),
  streamUsageOption: false,
}
