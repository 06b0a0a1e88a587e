import { describe, expect, it } from 'vitest'
import { configureProvider, detectProviderByHost, knownProviders } from './catalog.ts'

describe('provider catalog', () => {
  it('covers every provider SPEC §3 names, each with its own id', () => {
    expect(knownProviders.map((p) => p.id).sort()).toEqual(
      ['anthropic', 'azure', 'deepseek', 'gemini', 'groq', 'mistral', 'openai', 'openrouter', 'together', 'xai'].sort(),
    )
  })

  it('gives a known name its default base URL and Bearer auth', () => {
    const result = configureProvider('groq', { apiKey: 'gsk_1' })
    expect(result).toMatchObject({ ok: true, provider: { name: 'groq', baseUrl: 'https://api.groq.com/openai/v1' } })
    expect(result.ok && result.provider.definition.authHeaders('gsk_1')).toEqual({ authorization: 'Bearer gsk_1' })
  })

  it('keeps a configured base URL, without a trailing slash', () => {
    const result = configureProvider('openai', { apiKey: 'k', baseUrl: 'http://127.0.0.1:9999/v1/' })
    expect(result.ok && result.provider.baseUrl).toBe('http://127.0.0.1:9999/v1')
  })

  it('names a custom OpenAI-compatible host after its config key', () => {
    const result = configureProvider('my-vllm', { type: 'openai-compatible', apiKey: 'x', baseUrl: 'http://10.0.0.5:8000/v1' })
    expect(result.ok && result.provider.definition.id).toBe('my-vllm')
    expect(result.ok && result.provider.definition.api).toBe('openai')
    expect(result.ok && result.provider.definition.pricesProviderId).toBeNull()
  })

  it('detects a known provider behind a custom entry by its host name', () => {
    const result = configureProvider('fast', { type: 'openai-compatible', apiKey: 'x', baseUrl: 'https://api.together.xyz/v1' })
    expect(result.ok && result.provider.definition.id).toBe('together')
    expect(detectProviderByHost('https://my-resource.openai.azure.com/openai/v1')?.id).toBe('azure')
    expect(detectProviderByHost('https://api.x.ai/v1')?.id).toBe('xai')
    expect(detectProviderByHost('not a url')).toBeUndefined()
  })

  it('refuses a custom provider without a base URL, and Azure without its resource URL', () => {
    expect(configureProvider('my-vllm', { apiKey: 'x' })).toMatchObject({ ok: false })
    expect(configureProvider('azure', { apiKey: 'x' })).toMatchObject({ ok: false })
  })

  it('sends Azure its api-key header and Gemini its key in a header, not the URL', () => {
    const azure = configureProvider('azure', { apiKey: 'az', baseUrl: 'https://r.openai.azure.com/openai/v1' })
    expect(azure.ok && azure.provider.definition.authHeaders('az')).toEqual({ 'api-key': 'az' })
    const gemini = configureProvider('gemini', { apiKey: 'g' })
    expect(gemini.ok && gemini.provider.definition.authHeaders('g')).toEqual({ 'x-goog-api-key': 'g' })
  })
})
