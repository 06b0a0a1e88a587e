import { describe, expect, it } from 'vitest'
import { usageFromEmbeddingsJson } from './usage.ts'

describe('usageFromEmbeddingsJson', () => {
  it('reads prompt_tokens as input; an embedding generates no output tokens', () => {
    // The example response of the Embeddings reference.
    const usage = usageFromEmbeddingsJson({
      object: 'list',
      data: [{ object: 'embedding', embedding: [0.0023064255, -0.009327292, -0.0028842222], index: 0 }],
      model: 'text-embedding-ada-002',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    })
    expect(usage).toEqual({ inputTokens: 8, outputTokens: 0, cacheReportingExclusive: false })
  })

  it('gives no output tokens even where a compatible host reports completion tokens', () => {
    expect(
      usageFromEmbeddingsJson({ object: 'list', data: [], model: 'mistral-embed', usage: { prompt_tokens: 15, total_tokens: 17, completion_tokens: 2 } })
        ?.outputTokens,
    ).toBe(0)
  })

  it('falls back to total_tokens when a host reports only that', () => {
    expect(usageFromEmbeddingsJson({ data: [], usage: { total_tokens: 21 } })?.inputTokens).toBe(21)
  })

  it('keeps the cost OpenRouter reports', () => {
    expect(
      usageFromEmbeddingsJson({ data: [], model: 'openai/text-embedding-3-small', usage: { prompt_tokens: 10, total_tokens: 10, cost: 0.0000002 } }),
    ).toEqual({ inputTokens: 10, outputTokens: 0, cacheReportingExclusive: false, billedCostUsd: 0.0000002 })
  })

  it('is null when the body has no usable usage', () => {
    expect(usageFromEmbeddingsJson({ object: 'list', data: [] })).toBeNull()
    expect(usageFromEmbeddingsJson({ usage: { prompt_tokens: 'many' } })).toBeNull()
    expect(usageFromEmbeddingsJson(null)).toBeNull()
  })
})
