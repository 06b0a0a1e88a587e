import { describe, expect, it } from 'vitest'
import type { Cost, PriceOverride, TokenUsage } from '../types.ts'
import { knownProvider } from '../providers/catalog.ts'
import { computeCost } from './index.ts'

const at = new Date('2025-09-01T12:00:00Z')

/** OpenAI-style usage: cached tokens are inside the input count. */
function openaiUsage(input: number, output: number, extra: Partial<TokenUsage> = {}): TokenUsage {
  return { inputTokens: input, outputTokens: output, cacheReportingExclusive: false, ...extra }
}

/** Prices as the proxy does: through the provider module's own price-database id. */
function cost(provider: string, models: string[], usage: TokenUsage, overrides: Record<string, PriceOverride> = {}, when = at) {
  const pricesProviderId = knownProvider(provider)?.pricesProviderId ?? null
  return computeCost({ pricesProviderId, models, usage, overrides, at: when })
}

function expectCost(actual: Cost | null, expected: { source: Cost['source']; inputUsd?: number; outputUsd?: number; totalUsd: number }) {
  expect(actual?.source).toBe(expected.source)
  expect(actual?.totalUsd).toBeCloseTo(expected.totalUsd, 12)
  if (expected.inputUsd !== undefined) expect(actual && 'inputUsd' in actual ? actual.inputUsd : null).toBeCloseTo(expected.inputUsd, 12)
  if (expected.outputUsd !== undefined) expect(actual && 'outputUsd' in actual ? actual.outputUsd : null).toBeCloseTo(expected.outputUsd, 12)
}

// gpt-4o-mini, OpenAI pricing page: $0.15/M input, $0.075/M cached input, $0.60/M output.
const miniInput = 800 * 0.15e-6 + 200 * 0.075e-6
const miniOutput = 100 * 0.6e-6
const miniUsage = openaiUsage(1000, 100, { cacheReadTokens: 200 })

describe('computeCost from the price database', () => {
  it('prices gpt-4o-mini with cached input at the published rates', () => {
    expectCost(cost('openai', ['gpt-4o-mini'], miniUsage), {
      source: 'database',
      inputUsd: miniInput,
      outputUsd: miniOutput,
      totalUsd: 0.000195,
    })
  })

  it('prices a dated snapshot id the same as its model', () => {
    expectCost(cost('openai', ['gpt-4o-mini-2024-07-18'], miniUsage), { source: 'database', totalUsd: 0.000195 })
  })

  it('looks up the reported model before the requested one', () => {
    // Requested gpt-4o ($2.50/M input) but served gpt-4o-mini: the served model's price applies.
    expectCost(cost('openai', ['gpt-4o-mini-2024-07-18', 'gpt-4o'], miniUsage), { source: 'database', totalUsd: 0.000195 })
    // An unknown reported id falls back to the requested model.
    expectCost(cost('openai', ['my-deployment-7', 'gpt-4o-mini'], miniUsage), { source: 'database', totalUsd: 0.000195 })
  })

  it('gives no cost for an unknown model', () => {
    expect(cost('openai', ['totally-unknown-model-xyz'], miniUsage)).toBeNull()
    expect(cost('openai', [], miniUsage)).toBeNull()
  })

  it('does not bill reasoning tokens twice: they are inside the output count', () => {
    const withReasoning = cost('openai', ['gpt-4o-mini'], { ...miniUsage, reasoningTokens: 60 })
    expectCost(withReasoning, { source: 'database', totalUsd: 0.000195 })
  })

  it('bills reasoning reported beside the output (Gemini thoughts) as output', () => {
    // gemini-2.5-flash, Google's pricing page: $0.30/M input, $2.50/M output, thinking included.
    const usage: TokenUsage = { inputTokens: 1000, outputTokens: 100, reasoningTokens: 400, reasoningReportingExclusive: true, cacheReportingExclusive: false }
    expectCost(cost('gemini', ['gemini-2.5-flash'], usage), { source: 'database', inputUsd: 1000 * 0.3e-6, outputUsd: 500 * 2.5e-6, totalUsd: 0.00155 })
  })

  it('prices Anthropic-native (exclusive) usage with cache reads and writes', () => {
    // Claude Sonnet 4.5: $3/M input, $3.75/M 5-minute cache write, $0.30/M cache read, $15/M output.
    const usage: TokenUsage = { inputTokens: 100, outputTokens: 50, cacheReadTokens: 5000, cacheWriteTokens: 2000, cacheReportingExclusive: true }
    expectCost(cost('anthropic', ['claude-sonnet-4-5-20250929'], usage), {
      source: 'database',
      inputUsd: (100 * 3 + 5000 * 0.3 + 2000 * 3.75) / 1e6,
      outputUsd: (50 * 15) / 1e6,
      totalUsd: 0.01005,
    })
  })

  it('maps our provider ids to the database ids (gemini → google, xai → x-ai)', () => {
    // Gemini 2.5 Flash: $0.30/M input, $2.50/M output. Grok 3: $3/M input, $15/M output.
    expectCost(cost('gemini', ['gemini-2.5-flash'], openaiUsage(1000, 100)), { source: 'database', totalUsd: 1000 * 0.3e-6 + 100 * 2.5e-6 })
    expectCost(cost('xai', ['grok-3'], openaiUsage(1000, 100)), { source: 'database', totalUsd: 1000 * 3e-6 + 100 * 15e-6 })
  })

  it('prices OpenRouter model ids through the openrouter provider', () => {
    expectCost(cost('openrouter', ['openai/gpt-4o-mini'], miniUsage), { source: 'database', totalUsd: 0.000195 })
  })

  it('uses the price in force at the request time', () => {
    // OpenAI cut o3 from $10/$40 to $2/$8 per M tokens in June 2025.
    const usage = openaiUsage(1000, 100)
    expectCost(cost('openai', ['o3'], usage, {}, new Date('2025-05-01T00:00:00Z')), { source: 'database', totalUsd: 1000 * 10e-6 + 100 * 40e-6 })
    expectCost(cost('openai', ['o3'], usage, {}, new Date('2025-07-01T00:00:00Z')), { source: 'database', totalUsd: 1000 * 2e-6 + 100 * 8e-6 })
  })

  it('skips the database for a custom provider it does not know', () => {
    expect(cost('my-vllm', ['gpt-4o-mini'], miniUsage)).toBeNull()
  })

  it('does not throw on inconsistent cache counts, reading them as reported beside the input', () => {
    // 200 cached out of 100 input cannot be inclusive: priced as 100 new + 200 cached.
    const usage = openaiUsage(100, 10, { cacheReadTokens: 200 })
    expectCost(cost('openai', ['gpt-4o-mini'], usage), { source: 'database', totalUsd: 100 * 0.15e-6 + 200 * 0.075e-6 + 10 * 0.6e-6 })
  })

  it('gives no cost when input or output tokens are unknown', () => {
    expect(cost('openai', ['gpt-4o-mini'], { inputTokens: 1000, outputTokens: null, cacheReportingExclusive: false })).toBeNull()
    expect(cost('openai', ['gpt-4o-mini'], { inputTokens: null, outputTokens: 100, cacheReportingExclusive: false })).toBeNull()
  })
})

describe('computeCost with paywall overrides', () => {
  it('prices a model from the override, per million tokens', () => {
    const overrides = { 'my-finetune': { inputPerMTok: 1.2, outputPerMTok: 4.8 } }
    expectCost(cost('my-vllm', ['my-finetune'], openaiUsage(1000, 100), overrides), {
      source: 'override',
      inputUsd: 1000 * 1.2e-6,
      outputUsd: 100 * 4.8e-6,
      totalUsd: 0.00168,
    })
  })

  it('wins over the price database', () => {
    const overrides = { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2, cacheReadPerMTok: 0.5 } }
    expectCost(cost('openai', ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'], miniUsage, overrides), {
      source: 'override',
      totalUsd: 800 * 1e-6 + 200 * 0.5e-6 + 100 * 2e-6,
    })
  })

  it('matches model ids exactly', () => {
    const overrides = { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 } }
    expect(cost('openai', ['gpt-4o-mini-2024-07-18'], miniUsage, overrides)?.source).toBe('database')
  })

  it('bills cache reads and writes at the input price unless the override gives their own', () => {
    const usage = openaiUsage(1000, 0, { cacheReadTokens: 300, cacheWriteTokens: 200 })
    expectCost(cost('x', ['m'], usage, { m: { inputPerMTok: 2, outputPerMTok: 8 } }), { source: 'override', totalUsd: 1000 * 2e-6 })
    expectCost(cost('x', ['m'], usage, { m: { inputPerMTok: 2, outputPerMTok: 8, cacheReadPerMTok: 0.2, cacheWritePerMTok: 2.5 } }), {
      source: 'override',
      totalUsd: 500 * 2e-6 + 300 * 0.2e-6 + 200 * 2.5e-6,
    })
  })

  it('adds Anthropic-style cache counts to the input instead of subtracting them', () => {
    const usage: TokenUsage = { inputTokens: 100, outputTokens: 10, cacheReadTokens: 1000, cacheReportingExclusive: true }
    expectCost(cost('anthropic', ['m'], usage, { m: { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3 } }), {
      source: 'override',
      totalUsd: 100 * 3e-6 + 1000 * 0.3e-6 + 10 * 15e-6,
    })
  })

  it('ignores keys inherited from Object.prototype', () => {
    expect(cost('my-vllm', ['constructor', 'toString'], miniUsage)).toBeNull()
  })
})

describe('computeCost with an upstream-billed cost', () => {
  it('reports what OpenRouter billed, over any override or database price', () => {
    const usage = { ...miniUsage, billedCostUsd: 0.00042 }
    expect(cost('openrouter', ['openai/gpt-4o-mini'], usage, { 'openai/gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 1 } })).toEqual({
      source: 'upstream',
      totalUsd: 0.00042,
    })
  })

  it('keeps a billed 0 and needs no token counts', () => {
    const usage: TokenUsage = { inputTokens: null, outputTokens: null, cacheReportingExclusive: false, billedCostUsd: 0 }
    expect(cost('openrouter', ['some/free-model'], usage)).toEqual({ source: 'upstream', totalUsd: 0 })
  })
})
