import { findProvider } from '@pydantic/genai-prices'

/** Model ids the price database knows for a provider: the model list of last resort. */
export function modelsInPriceDatabase(pricesProviderId: string | null): string[] {
  if (!pricesProviderId) return []
  return findProvider({ providerId: pricesProviderId })?.models.map((model) => model.id) ?? []
}
