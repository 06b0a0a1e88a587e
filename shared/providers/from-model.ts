import { knownProviders } from './catalog.ts'

/**
 * The provider a client can tell from a model id alone (SPEC §3): the known provider a `provider/model`
 * prefix names, else the one whose family owns a bare name (`gpt-*` → openai). Null when the id does not
 * say: a custom provider name, or a name the paywall's default provider gets (`meta-llama/llama-3.1-70b`).
 */
export function providerOfModel(model: string): string | null {
  const id = model.trim()
  const slash = id.indexOf('/')
  if (slash > 0) return knownProviders.find((provider) => provider.id === id.slice(0, slash))?.id ?? null
  return knownProviders.find((provider) => provider.ownsModel(id))?.id ?? null
}
