import type { ProviderDefinition } from './types.ts'

interface OpenAICompatibleOptions {
  id: string
  defaultBaseUrl: string | null
  hostnames?: readonly string[]
  pricesProviderId?: string | null
  ownsModel?: (model: string) => boolean
  streamUsageOption?: boolean
}

/** Providers that speak OpenAI Chat Completions with a Bearer key differ only in these few facts. */
export function openAICompatible(options: OpenAICompatibleOptions): ProviderDefinition {
  return {
    id: options.id,
    api: 'openai',
    defaultBaseUrl: options.defaultBaseUrl,
    hostnames: options.hostnames ?? [],
    pricesProviderId: options.pricesProviderId === undefined ? options.id : options.pricesProviderId,
    ownsModel: options.ownsModel ?? (() => false),
    authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
    streamUsageOption: options.streamUsageOption ?? true,
  }
}

/** Matches ids starting with any of the prefixes, case-insensitively. */
export function startsWithAny(...prefixes: string[]): (model: string) => boolean {
  return (model) => {
    const lower = model.toLowerCase()
    return prefixes.some((prefix) => lower.startsWith(prefix))
  }
}
