import type { Context } from 'hono'
import { modelsInPriceDatabase } from '../../shared/cost/models.ts'
import type { ConfiguredProvider } from '../../shared/providers/types.ts'
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

/**
 * `GET /v1/models`: every configured provider's models as the `provider/model` ids the proxy accepts,
 * from the provider's own list (cached) or, where it has none or it fails, the price database.
 */
export function listModels(deps: { log: Logger }) {
  const cache = new Map<string, { until: number; ids: Array<{ id: string; created: number }> }>()

  async function providerModels(provider: ConfiguredProvider) {
    const key = `${provider.name}\u0000${provider.baseUrl}\u0000${provider.apiKey}`
    const cached = cache.get(key)
    if (cached && cached.until > Date.now()) return cached.ids
    let ids = provider.definition.api === 'openai' ? await fetchOpenAIModels(provider) : null
    if (ids === null) ids = modelsInPriceDatabase(provider.definition.pricesProviderId).map((id) => ({ id, created: 0 }))
    else cache.set(key, { until: Date.now() + CACHE_MS, ids })
    return ids
  }

  async function fetchOpenAIModels(provider: ConfiguredProvider) {
    try {
      const response = await fetch(`${provider.baseUrl}/models`, {
        headers: { ...provider.definition.defaultHeaders, ...provider.definition.authHeaders(provider.apiKey) },
        signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const body = (await response.json()) as { data?: Array<{ id?: unknown; created?: unknown }> }
      if (!Array.isArray(body.data)) throw new Error('no data array')
      return body.data.flatMap((m) =>
        typeof m.id === 'string' ? [{ id: m.id, created: typeof m.created === 'number' ? m.created : 0 }] : [],
      )
    } catch (error) {
      deps.log('warn', 'model list unavailable, using the price database', {
        provider: provider.name,
        error: error instanceof Error ? error.message : String(error),
      })
      return null
    }
  }

  return async (c: Context<AppEnv>) => {
    const providers = [...c.get('paywall').providers.values()]
    const lists = await Promise.all(providers.map(providerModels))
    const data: ModelEntry[] = providers.flatMap((provider, index) =>
      (lists[index] ?? []).map(({ id, created }) => ({ id: `${provider.name}/${id}`, object: 'model' as const, created, owned_by: provider.name })),
    )
    return c.json({ object: 'list', data })
  }
}
