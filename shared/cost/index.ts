import { calcPrice, type Provider } from '@pydantic/genai-prices'
import type { Cost, PriceOverride, TokenUsage } from '../types.ts'

export interface CostInput {
  /** The provider's id in `@pydantic/genai-prices` (its `ProviderDefinition.pricesProviderId`); null when it has none. */
  pricesProviderId: string | null
  /** Candidate model ids, tried in order: the one the upstream reported, then the requested one. */
  models: string[]
  usage: TokenUsage
  /** Per-paywall prices keyed by exact model id. */
  overrides: Record<string, PriceOverride>
  /** Request time; the price database keeps historical prices. */
  at: Date
}

interface Tokens {
  uncachedInput: number
  cacheRead: number
  cacheWrite: number
  output: number
}

/** Splits usage into disjoint token pools; `null` when input or output is unknown. */
function splitTokens(usage: TokenUsage): Tokens | null {
  const { inputTokens: input, outputTokens: output } = usage
  if (input === null || output === null) return null
  // Not reported means none were cached (all input billed at the full rate).
  const cacheRead = usage.cacheReadTokens ?? 0
  const cacheWrite = usage.cacheWriteTokens ?? 0
  // Inclusive usage whose cache counts exceed the input cannot be inclusive: read it as exclusive
  // rather than produce negative tokens (and the price database's throw).
  const exclusive = usage.cacheReportingExclusive || cacheRead + cacheWrite > input
  const uncachedInput = exclusive ? input : input - cacheRead - cacheWrite
  // Reasoning is billed as output: inside the output count already, unless reported beside it.
  const reasoning = usage.reasoningReportingExclusive ? (usage.reasoningTokens ?? 0) : 0
  return { uncachedInput, cacheRead, cacheWrite, output: output + reasoning }
}

function fromOverride(price: PriceOverride, t: Tokens): Cost {
  const inputUsd =
    (t.uncachedInput * price.inputPerMTok +
      t.cacheRead * (price.cacheReadPerMTok ?? price.inputPerMTok) +
      t.cacheWrite * (price.cacheWritePerMTok ?? price.inputPerMTok)) /
    1e6
  const outputUsd = (t.output * price.outputPerMTok) / 1e6
  return { source: 'override', inputUsd, outputUsd, totalUsd: inputUsd + outputUsd }
}

/**
 * The database's provider narrowed to the one model an id matched (null: no match). calcPrice scans a
 * provider's model list with its match rules on every call; a one-model provider makes that a single
 * test. Bounded, and cleared when full: the set of models a proxy sees is small.
 */
const matchedModels = new Map<string, Provider | null>()
const MAX_MATCHED_MODELS = 2_000

function priceWithDatabase(usage: Record<string, number>, providerId: string, model: string, at: Date) {
  const key = `${providerId}\u0000${model}`
  const narrowed = matchedModels.get(key)
  if (narrowed === null) return null
  if (narrowed) return calcPrice(usage, model, { provider: narrowed, timestamp: at })
  const price = calcPrice(usage, model, { providerId, timestamp: at })
  if (matchedModels.size >= MAX_MATCHED_MODELS) matchedModels.clear()
  matchedModels.set(key, price && { ...price.provider, models: [price.model], fallback_model_providers: undefined })
  return price
}

function fromDatabase(providerId: string, models: string[], t: Tokens, at: Date): Cost | null {
  // genai-prices counts cached tokens inside input_tokens.
  const usage: Record<string, number> = {
    input_tokens: t.uncachedInput + t.cacheRead + t.cacheWrite,
    output_tokens: t.output,
  }
  if (t.cacheRead > 0) usage.cache_read_tokens = t.cacheRead
  if (t.cacheWrite > 0) usage.cache_write_tokens = t.cacheWrite
  for (const model of models) {
    if (!model) continue
    try {
      const price = priceWithDatabase(usage, providerId, model, at)
      // total_price also holds per-request fees, which belong to neither side.
      if (price) return { source: 'database', inputUsd: price.input_price, outputUsd: price.output_price, totalUsd: price.total_price }
    } catch {
      // The package throws on usage or price data it cannot reconcile: no cost rather than a failed request.
      return null
    }
  }
  return null
}

/**
 * USD cost of one request. Precedence: the upstream's billed cost, then a paywall override for one of
 * the models, then the price database. `null` when unknown (never a made-up 0).
 */
export function computeCost(input: CostInput): Cost | null {
  const { usage } = input
  if (usage.billedCostUsd !== undefined) return { source: 'upstream', totalUsd: usage.billedCostUsd }
  const tokens = splitTokens(usage)
  if (!tokens) return null
  const overrideModel = input.models.find((model) => Object.hasOwn(input.overrides, model))
  const override = overrideModel === undefined ? undefined : input.overrides[overrideModel]
  if (override) return fromOverride(override, tokens)
  return input.pricesProviderId ? fromDatabase(input.pricesProviderId, input.models, tokens, input.at) : null
}
