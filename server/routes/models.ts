import type { Context } from 'hono'
import { modelsFromAnthropicList } from '../../shared/apis/anthropic/models.ts'
import { modelsFromGeminiList } from '../../shared/apis/gemini/models.ts'
import { type ListedModel, modelsFromOpenAIList } from '../../shared/apis/openai/models.ts'
import { modelsInPriceDatabase } from '../../shared/cost/models.ts'
import { routableModelId } from '../../shared/providers/routing.ts'
import type { ConfiguredProvider, UpstreamApi } from '../../shared/providers/types.ts'
import type { AppEnv } from '../context.ts'
import type { Logger } from '../log.ts'

interface ModelEntry {
  id: string
  object: 'model'
  created: number
  owned_by: string
}

const CACHE_MS = 10 * 60 * 1000
const LIST_TIMEOUT_MS = 10_000

/** Where each API lists its models, and how to read the list. */
const LISTS: Record<UpstreamApi, { path: string; read: (body: unknown) => ListedModel[] | null }> = {
  openai: { path: '/models', read: modelsFromOpenAIList },
  anthropic: { path: '/v1/models?limit=1000', read: modelsFromAnthropicList },
  gemini: { path: '/v1beta/models?pageSize=1000', read: modelsFromGeminiList },
}

/**
 * `GET /v1/models`: every configured provider's models, from the provider's own list (cached) or, where
 * it fails, the price database. Each id is one the router sends back to that provider: the bare name
 * where it routes there (SPEC §3), else `provider/model`.
 */
export function listModels(deps: { log: Logger }) {
  const cache = new Map<string, { until: number; models: ListedModel[] }>()

  async function providerModels(provider: ConfiguredProvider): Promise<ListedModel[]> {
    const key = `${provider.name}\u0000${provider.baseUrl}\u0000${provider.apiKey}`
    const cached = cache.get(key)
    if (cached && cached.until > Date.now()) return cached.models
    const listed = await fetchList(provider)
    if (listed === null) return modelsInPriceDatabase(provider.definition.pricesProviderId).map((id) => ({ id, created: 0 }))
    cache.set(key, { until: Date.now() + CACHE_MS, models: listed })
    return listed
  }

  async function fetchList(provider: ConfiguredProvider): Promise<ListedModel[] | null> {
    const { definition } = provider
    const list = LISTS[definition.api]
    try {
      const response = await fetch(`${provider.baseUrl}${list.path}`, {
        headers: { ...definition.defaultHeaders, ...definition.authHeaders(provider.apiKey) },
        signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const models = list.read(await response.json())
      if (models === null) throw new Error('not a model list')
      return models
    } catch (error) {
      deps.log('warn', 'model list unavailable, using the price database', {
        provider: provider.name,
        error: error instanceof Error ? error.message : String(error),
      })
      return null
    }
  }

  return async (c: Context<AppEnv>) => {
    const paywall = c.get('paywall')
    const providers = [...paywall.providers.values()]
    const lists = await Promise.all(providers.map(providerModels))
    const defaultProvider = paywall.config.defaultProvider ?? null
    const data: ModelEntry[] = providers.flatMap((provider, index) =>
      (lists[index] ?? []).map(({ id, created }) => ({
        id: routableModelId(provider, id, paywall.providers, defaultProvider),
        object: 'model' as const,
        created,
        owned_by: provider.name,
      })),
    )
    return c.json({ object: 'list', data })
  }
}
