import type { ConfiguredProvider } from './types.ts'

export interface Route {
  provider: ConfiguredProvider
  /** Model id as the upstream must receive it. */
  model: string
}

export type RouteResult = { ok: true; route: Route } | { ok: false; message: string }

/**
 * SPEC §3: a `provider/model` id whose provider is configured goes there with the prefix stripped;
 * else a bare name goes to the configured provider owning its family; else to the default provider,
 * unchanged (so `meta-llama/llama-3.1-70b` reaches OpenRouter as is).
 */
export function resolveRoute(
  model: string,
  providers: ReadonlyMap<string, ConfiguredProvider>,
  defaultProvider: string | null,
): RouteResult {
  const slash = model.indexOf('/')
  if (slash > 0) {
    const prefixed = providers.get(model.slice(0, slash))
    const rest = model.slice(slash + 1)
    if (prefixed && rest !== '') return { ok: true, route: { provider: prefixed, model: rest } }
  } else {
    for (const provider of providers.values()) {
      if (provider.definition.ownsModel(model)) return { ok: true, route: { provider, model } }
    }
  }
  const fallback = defaultProvider === null ? undefined : providers.get(defaultProvider)
  if (fallback) return { ok: true, route: { provider: fallback, model } }
  const names = [...providers.keys()]
  return {
    ok: false,
    message:
      `No provider for model "${model}". Configured providers: ${names.length ? names.join(', ') : 'none'}. ` +
      'Prefix the model with one of them (e.g. "' +
      `${names[0] ?? 'openai'}/${model}") or set the paywall's defaultProvider.`,
  }
}

/**
 * The id a client should send for a provider's model: the bare name when it routes there unchanged
 * (SPEC §3 steps 2-3), else `provider/model`, which always does.
 */
export function routableModelId(
  provider: ConfiguredProvider,
  model: string,
  providers: ReadonlyMap<string, ConfiguredProvider>,
  defaultProvider: string | null,
): string {
  const bare = resolveRoute(model, providers, defaultProvider)
  if (bare.ok && bare.route.provider === provider && bare.route.model === model) return model
  return `${provider.name}/${model}`
}
