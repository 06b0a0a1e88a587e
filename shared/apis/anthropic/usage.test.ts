import { describe, expect, it } from 'vitest'
import { usageFromAnthropic } from './usage.ts'

describe('usageFromAnthropic', () => {
  it('reads input and output tokens, cache tokens reported beside the input', () => {
    expect(usageFromAnthropic({ input_tokens: 2095, output_tokens: 503 })).toEqual({
      inputTokens: 2095,
      outputTokens: 503,
      cacheReportingExclusive: true,
    })
  })

  it('maps cache creation to cache writes and cache reads to cache reads (prompt caching docs example)', () => {
    const usage = {
      input_tokens: 21,
      cache_creation_input_tokens: 188086,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 188086, ephemeral_1h_input_tokens: 0 },
      output_tokens: 393,
      service_tier: 'standard',
    }
    expect(usageFromAnthropic(usage)).toEqual({
      inputTokens: 21,
      outputTokens: 393,
      cacheWriteTokens: 188086,
      cacheReadTokens: 0,
      cacheReportingExclusive: true,
    })
  })

  it('leaves out cache fields Anthropic reports as null', () => {
    const usage = { input_tokens: 12, output_tokens: 30, cache_creation_input_tokens: null, cache_read_input_tokens: null }
    expect(usageFromAnthropic(usage)).toEqual({ inputTokens: 12, outputTokens: 30, cacheReportingExclusive: true })
  })

  it('reads thinking tokens as reasoning tokens', () => {
    const usage = { input_tokens: 50, output_tokens: 900, output_tokens_details: { thinking_tokens: 640 } }
    expect(usageFromAnthropic(usage)?.reasoningTokens).toBe(640)
  })

  it('keeps an unknown count null, never 0', () => {
    expect(usageFromAnthropic({ input_tokens: 25 })).toEqual({ inputTokens: 25, outputTokens: null, cacheReportingExclusive: true })
    expect(usageFromAnthropic({ input_tokens: -1, output_tokens: '7' })).toBeNull()
  })

  it('is null without a usage object', () => {
    expect(usageFromAnthropic(undefined)).toBeNull()
    expect(usageFromAnthropic(null)).toBeNull()
    expect(usageFromAnthropic({})).toBeNull()
    expect(usageFromAnthropic([1, 2])).toBeNull()
  })
})
