import { describe, expect, it } from 'vitest'
import { chatUsageFromAnthropic } from './usage.ts'

describe('chatUsageFromAnthropic', () => {
  it('maps input and output tokens', () => {
    expect(chatUsageFromAnthropic({ input_tokens: 2095, output_tokens: 503 })).toEqual({
      prompt_tokens: 2095,
      completion_tokens: 503,
      total_tokens: 2598,
      prompt_tokens_details: { cached_tokens: 0 },
    })
  })

  it('counts cache reads and writes inside prompt_tokens, as OpenAI does', () => {
    const usage = { input_tokens: 21, cache_creation_input_tokens: 1000, cache_read_input_tokens: 188086, output_tokens: 393 }
    expect(chatUsageFromAnthropic(usage)).toEqual({
      prompt_tokens: 189107,
      completion_tokens: 393,
      total_tokens: 189500,
      prompt_tokens_details: { cached_tokens: 188086 },
    })
  })

  it('reports thinking tokens as reasoning tokens', () => {
    const usage = { input_tokens: 50, output_tokens: 900, output_tokens_details: { thinking_tokens: 640 } }
    expect(chatUsageFromAnthropic(usage)?.completion_tokens_details).toEqual({ reasoning_tokens: 640 })
  })

  it('is null when input or output is unknown', () => {
    expect(chatUsageFromAnthropic({ input_tokens: 25 })).toBeNull()
    expect(chatUsageFromAnthropic({ output_tokens: 15 })).toBeNull()
    expect(chatUsageFromAnthropic(undefined)).toBeNull()
  })
})
