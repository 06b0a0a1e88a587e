import type { ConfiguredProvider, ProviderDefinition, ProviderEntry } from './types.ts'
import { anthropic } from './anthropic.ts'
import { azure } from './azure.ts'
import { deepseek } from './deepseek.ts'
import { gemini } from './gemini.ts'
import { groq } from './groq.ts'
import { mistral } from './mistral.ts'
import { openAICompatible } from './openai-compatible.ts'
import { openai } from './openai.ts'
import { openrouter } from './openrouter.ts'
import { together } from './together.ts'
import { xai } from './xai.ts'

export const knownProviders: readonly ProviderDefinition[] = [
  openai,
  anthropic,
  gemini,
  openrouter,
  together,
  groq,
  mistral,
  deepseek,
  xai,
  azure,
]

const byId = new Map(knownProviders.map((provider) => [provider.id, provider]))

export function knownProvider(id: string): ProviderDefinition | undefined {
  return byId.get(id)
}

/** The known provider serving `baseUrl`, by host name (an entry starting with `.` matches a suffix). */
export function detectProviderByHost(baseUrl: string): ProviderDefinition | undefined {
  let host: string
  try {
    host = new URL(baseUrl).hostname.toLowerCase()
  } catch {
    return undefined
  }
  return knownProviders.find((provider) =>
    provider.hostnames.some((name) => (name.startsWith('.') ? host.endsWith(name) : host === name)),
  )
}

export type ConfigureResult = { ok: true; provider: ConfiguredProvider } | { ok: false; message: string }

/**
 * Turns one config entry into a routable provider. A known name gets its own definition and default
 * base URL; any other name is a custom host, identified by its base URL's host when that is a known one.
 */
export function configureProvider(name: string, entry: ProviderEntry): ConfigureResult {
  const known = knownProvider(name)
  if (known) {
    const baseUrl = entry.baseUrl ?? known.defaultBaseUrl
    if (!baseUrl) return { ok: false, message: `provider "${name}" needs a baseUrl` }
    return { ok: true, provider: { name, definition: known, baseUrl: trimSlash(baseUrl), apiKey: entry.apiKey } }
  }
  if (!entry.baseUrl) return { ok: false, message: `custom provider "${name}" needs a baseUrl` }
  const detected = detectProviderByHost(entry.baseUrl)
  const api = entry.type === undefined || entry.type === 'openai-compatible' ? 'openai' : entry.type
  const definition =
    detected && detected.api === api
      ? detected
      : api === 'openai'
        ? openAICompatible({ id: name, defaultBaseUrl: null, pricesProviderId: null })
        : { ...(api === 'anthropic' ? anthropic : gemini), id: name, ownsModel: () => false }
  return { ok: true, provider: { name, definition, baseUrl: trimSlash(entry.baseUrl), apiKey: entry.apiKey } }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
