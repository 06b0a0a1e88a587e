import { describe, expect, it } from 'vitest'
import { extractUsage, findProvider } from '@pydantic/genai-prices'
import { usageFromGemini } from './usage.ts'

describe('usageFromGemini', () => {
  it('reads a plain answer (generateContent docs example)', () => {
    expect(
      usageFromGemini({
        promptTokenCount: 8,
        candidatesTokenCount: 12,
        totalTokenCount: 20,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }],
      }),
    ).toEqual({ inputTokens: 8, outputTokens: 12, cacheReportingExclusive: false })
  })

  it('reports thoughts as reasoning beside the output, as @posthog/ai does and PostHog reads Gemini events', () => {
    // A gemini-2.5-flash answer with thinking on: thoughts are counted beside the candidates.
    expect(
      usageFromGemini({ promptTokenCount: 11, candidatesTokenCount: 263, totalTokenCount: 1204, thoughtsTokenCount: 930 }),
    ).toEqual({ inputTokens: 11, outputTokens: 263, reasoningTokens: 930, reasoningReportingExclusive: true, cacheReportingExclusive: false })
  })

  it('counts cached tokens inside the prompt', () => {
    expect(
      usageFromGemini({
        promptTokenCount: 1200,
        cachedContentTokenCount: 1024,
        candidatesTokenCount: 50,
        totalTokenCount: 1250,
        cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 1024 }],
      }),
    ).toEqual({ inputTokens: 1200, outputTokens: 50, cacheReadTokens: 1024, cacheReportingExclusive: false })
  })

  it('counts the tokens like the price database does', () => {
    const usageMetadata = {
      promptTokenCount: 20,
      toolUsePromptTokenCount: 300,
      candidatesTokenCount: 100,
      thoughtsTokenCount: 50,
      cachedContentTokenCount: 10,
      totalTokenCount: 470,
    }
    const provider = findProvider({ providerId: 'google' })
    expect(provider).toBeDefined()
    const { usage } = extractUsage(provider!, { modelVersion: 'gemini-2.5-flash', usageMetadata })
    const ours = usageFromGemini(usageMetadata)
    expect(ours).toMatchObject({
      inputTokens: usage.input_tokens,
      cacheReadTokens: usage.cache_read_tokens,
      reasoningTokens: usage.output_reasoning_tokens,
      reasoningReportingExclusive: true,
    })
    // The database bills thoughts inside its output count; ours has them beside it.
    expect(ours!.outputTokens! + ours!.reasoningTokens!).toBe(usage.output_tokens)
  })

  it('reads output from the total when Gemini leaves zero counts out', () => {
    // Cut off by maxOutputTokens while thinking: no candidates count at all.
    expect(usageFromGemini({ promptTokenCount: 10, totalTokenCount: 110, thoughtsTokenCount: 100 })).toMatchObject({
      outputTokens: 0,
      reasoningTokens: 100,
    })
    // A SAFETY stop: nothing generated, only the prompt and the total.
    expect(usageFromGemini({ promptTokenCount: 7, totalTokenCount: 7 })).toEqual({
      inputTokens: 7,
      outputTokens: 0,
      cacheReportingExclusive: false,
    })
  })

  it('says unknown rather than 0', () => {
    expect(usageFromGemini(undefined)).toBeNull()
    expect(usageFromGemini({})).toBeNull()
    expect(usageFromGemini({ candidatesTokenCount: 'many' })).toBeNull()
    expect(usageFromGemini({ promptTokenCount: 5 })).toEqual({ inputTokens: 5, outputTokens: null, cacheReportingExclusive: false })
  })
})
