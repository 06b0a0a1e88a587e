import { describe, expect, it } from 'vitest'
import { usageFromOpenAI } from './openai.ts'

describe('usageFromOpenAI', () => {
  it('reads an OpenAI Chat Completions usage block with cache and reasoning details', () => {
    // Shape from the OpenAI API reference (chat completion object).
    const usage = usageFromOpenAI({
      prompt_tokens: 1000,
      completion_tokens: 300,
      total_tokens: 1300,
      prompt_tokens_details: { cached_tokens: 200, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 128, audio_tokens: 0 },
    })
    expect(usage).toEqual({
      inputTokens: 1000,
      outputTokens: 300, // reasoning is already inside completion_tokens
      cacheReadTokens: 200,
      reasoningTokens: 128,
      cacheReportingExclusive: false,
    })
  })

  it('reads OpenRouter cache writes and its billed cost', () => {
    const usage = usageFromOpenAI({
      prompt_tokens: 5000,
      completion_tokens: 40,
      total_tokens: 5040,
      cost: 0.0123,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 3000 },
    })
    expect(usage).toMatchObject({ inputTokens: 5000, cacheReadTokens: 1000, cacheWriteTokens: 3000, billedCostUsd: 0.0123 })
  })

  it('keeps a zero billed cost (free models and BYOK are billed 0)', () => {
    expect(usageFromOpenAI({ prompt_tokens: 5, completion_tokens: 1, cost: 0 })?.billedCostUsd).toBe(0)
  })

  it('accepts a cost sent as a plain numeric string, but nothing fuzzier', () => {
    expect(usageFromOpenAI({ prompt_tokens: 5, completion_tokens: 1, cost: '0.00042' })?.billedCostUsd).toBe(0.00042)
    for (const cost of ['', 'abc', '1,5', '-0.1', '0x10', ' 1', -0.1, Number.NaN, null, {}]) {
      expect(usageFromOpenAI({ prompt_tokens: 5, completion_tokens: 1, cost })).not.toHaveProperty('billedCostUsd')
    }
  })

  it('maps DeepSeek prompt_cache_hit_tokens to cache reads', () => {
    // DeepSeek docs: prompt_tokens = prompt_cache_hit_tokens + prompt_cache_miss_tokens.
    const usage = usageFromOpenAI({
      prompt_tokens: 1200,
      completion_tokens: 50,
      total_tokens: 1250,
      prompt_cache_hit_tokens: 1024,
      prompt_cache_miss_tokens: 176,
    })
    expect(usage).toMatchObject({ inputTokens: 1200, outputTokens: 50, cacheReadTokens: 1024 })
  })

  it('prefers cached_tokens over prompt_cache_hit_tokens when both are sent', () => {
    const usage = usageFromOpenAI({
      prompt_tokens: 1200,
      completion_tokens: 50,
      prompt_cache_hit_tokens: 1024,
      prompt_tokens_details: { cached_tokens: 1000 },
    })
    expect(usage?.cacheReadTokens).toBe(1000)
  })

  it('counts xAI reasoning tokens, reported beside completion tokens, as output', () => {
    // xAI: "reasoning token consumption will be counted separately from completion_tokens,
    // but will be counted in the total_tokens".
    const usage = usageFromOpenAI({
      prompt_tokens: 32,
      completion_tokens: 9,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 6 },
      completion_tokens_details: { reasoning_tokens: 94 },
    })
    expect(usage).toMatchObject({ inputTokens: 32, outputTokens: 103, reasoningTokens: 94 })
  })

  it('reads the Responses API names', () => {
    const usage = usageFromOpenAI({
      input_tokens: 328,
      input_tokens_details: { cached_tokens: 128 },
      output_tokens: 52,
      output_tokens_details: { reasoning_tokens: 16 },
      total_tokens: 380,
    })
    expect(usage).toEqual({
      inputTokens: 328,
      outputTokens: 52,
      cacheReadTokens: 128,
      reasoningTokens: 16,
      cacheReportingExclusive: false,
    })
  })

  it('returns null when there is no usage block', () => {
    for (const value of [null, undefined, 'usage', 42, [], {}]) expect(usageFromOpenAI(value)).toBeNull()
  })

  it('reports unknown counts as null, never as 0', () => {
    const usage = usageFromOpenAI({ prompt_tokens: 'many', completion_tokens: -3, prompt_tokens_details: null })
    expect(usage).toBeNull()
    const partial = usageFromOpenAI({
      prompt_tokens: 10,
      completion_tokens: null,
      prompt_tokens_details: { cached_tokens: '5' },
      completion_tokens_details: { reasoning_tokens: Number.POSITIVE_INFINITY },
    })
    expect(partial).toEqual({ inputTokens: 10, outputTokens: null, cacheReportingExclusive: false })
  })
})
