import { describe, expect, it } from 'vitest'
import { configureProvider } from './catalog.ts'
import { resolveRoute, routableModelId } from './routing.ts'
import type { ConfiguredProvider, ProviderEntry } from './types.ts'

function providers(entries: Record<string, ProviderEntry>): Map<string, ConfiguredProvider> {
  const map = new Map<string, ConfiguredProvider>()
  for (const [name, entry] of Object.entries(entries)) {
    const result = configureProvider(name, entry)
    if (!result.ok) throw new Error(result.message)
    map.set(name, result.provider)
  }
  return map
}

const configured = providers({
  openai: { apiKey: 'o' },
  anthropic: { apiKey: 'a' },
  openrouter: { apiKey: 'r' },
  mistral: { apiKey: 'm' },
  'my-vllm': { type: 'openai-compatible', apiKey: 'v', baseUrl: 'http://127.0.0.1:8000/v1' },
})

const route = (model: string, fallback: string | null = 'openrouter') => {
  const result = resolveRoute(model, configured, fallback)
  return result.ok ? [result.route.provider.name, result.route.model] : result.message
}

describe('resolveRoute', () => {
  it('routes a configured provider prefix there, prefix stripped', () => {
    expect(route('anthropic/claude-sonnet-4-5')).toEqual(['anthropic', 'claude-sonnet-4-5'])
    expect(route('my-vllm/qwen2.5-7b')).toEqual(['my-vllm', 'qwen2.5-7b'])
    expect(route('openrouter/openai/gpt-4o')).toEqual(['openrouter', 'openai/gpt-4o'])
  })

  it('routes a bare model by family to the configured provider owning it', () => {
    expect(route('gpt-4o-mini')).toEqual(['openai', 'gpt-4o-mini'])
    expect(route('o3-mini')).toEqual(['openai', 'o3-mini'])
    expect(route('text-embedding-3-small')).toEqual(['openai', 'text-embedding-3-small'])
    expect(route('claude-3-5-haiku-latest')).toEqual(['anthropic', 'claude-3-5-haiku-latest'])
    expect(route('mistral-large-latest')).toEqual(['mistral', 'mistral-large-latest'])
  })

  it('sends anything else to the default provider unchanged', () => {
    expect(route('meta-llama/llama-3.1-70b')).toEqual(['openrouter', 'meta-llama/llama-3.1-70b'])
    expect(route('gemini-2.5-flash')).toEqual(['openrouter', 'gemini-2.5-flash'])
    expect(route('deepseek-chat')).toEqual(['openrouter', 'deepseek-chat'])
  })

  it('without a route, names the model and the configured providers', () => {
    const message = route('llama3', null)
    expect(message).toContain('"llama3"')
    expect(message).toContain('openai, anthropic, openrouter, mistral, my-vllm')
  })
})

describe('routableModelId', () => {
  const id = (provider: string, model: string, fallback: string | null = 'openrouter') =>
    routableModelId(configured.get(provider)!, model, configured, fallback)

  it('gives the bare name where it already routes to that provider unchanged', () => {
    expect(id('openai', 'gpt-4o-mini')).toBe('gpt-4o-mini')
    expect(id('anthropic', 'claude-sonnet-4-5')).toBe('claude-sonnet-4-5')
    // The default provider takes any name no family claims, slashes and all.
    expect(id('openrouter', 'meta-llama/llama-3.1-70b')).toBe('meta-llama/llama-3.1-70b')
  })

  it('prefixes the provider where the bare name would go elsewhere', () => {
    expect(id('openrouter', 'gpt-4o-mini')).toBe('openrouter/gpt-4o-mini')
    expect(id('my-vllm', 'qwen2.5-7b')).toBe('my-vllm/qwen2.5-7b')
    // A slash that names a configured provider would be read as a prefix.
    expect(id('openrouter', 'anthropic/claude-sonnet-4-5')).toBe('openrouter/anthropic/claude-sonnet-4-5')
  })

  it('every id it gives routes back to the same provider and model', () => {
    for (const [provider, model] of [['openrouter', 'gpt-4o-mini'], ['mistral', 'mistral-large-latest'], ['my-vllm', 'x/y'], ['openai', 'o3']] as const) {
      const routed = resolveRoute(id(provider, model, null), configured, null)
      expect(routed.ok && [routed.route.provider.name, routed.route.model]).toEqual([provider, model])
    }
  })
})
