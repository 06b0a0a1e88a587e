import { describe, expect, it } from 'vitest'
import { providerOfModel } from './from-model.ts'

describe('providerOfModel', () => {
  it('reads a known provider prefix', () => {
    expect(providerOfModel('anthropic/claude-sonnet-4-5')).toBe('anthropic')
    expect(providerOfModel('openrouter/openai/gpt-4o-mini')).toBe('openrouter')
    expect(providerOfModel('openai/house-model-7b')).toBe('openai')
  })

  it('knows a bare name by its family', () => {
    expect(providerOfModel('gpt-4o-mini')).toBe('openai')
    expect(providerOfModel('claude-3-5-haiku-latest')).toBe('anthropic')
    expect(providerOfModel('gemini-2.5-flash')).toBe('gemini')
    expect(providerOfModel('grok-4')).toBe('xai')
  })

  it('is null when the id does not say (custom provider, default provider, unknown family)', () => {
    expect(providerOfModel('my-vllm/llama-3')).toBeNull()
    expect(providerOfModel('meta-llama/llama-3.1-70b')).toBeNull()
    expect(providerOfModel('house-model-7b')).toBeNull()
  })
})
