import { configureProvider } from '../shared/providers/catalog.ts'
import type { ConfiguredProvider } from '../shared/providers/types.ts'
import type { Config, PaywallConfig } from './config/schema.ts'

/** A paywall ready to serve: its config and its routable providers. */
export interface Paywall {
  config: PaywallConfig
  providers: ReadonlyMap<string, ConfiguredProvider>
}

export type PaywallsResult = { ok: true; paywalls: Paywalls } | { ok: false; errors: string[] }

export class Paywalls {
  private constructor(
    readonly all: readonly Paywall[],
    private readonly byKey: ReadonlyMap<string, Paywall>,
  ) {}

  static build(config: Config): PaywallsResult {
    const errors: string[] = []
    const all = config.paywalls.map((paywallConfig, index) => {
      const providers = new Map<string, ConfiguredProvider>()
      for (const [name, entry] of Object.entries(paywallConfig.providers)) {
        const result = configureProvider(name, entry)
        if (result.ok) providers.set(name, result.provider)
        else errors.push(`paywalls[${index}].providers.${name}: ${result.message}`)
      }
      return { config: paywallConfig, providers }
    })
    if (errors.length) return { ok: false, errors }
    const byKey = new Map<string, Paywall>()
    for (const paywall of all) for (const key of paywall.config.apiKeys) byKey.set(key, paywall)
    return { ok: true, paywalls: new Paywalls(all, byKey) }
  }

  forClientKey(key: string): Paywall | undefined {
    return this.byKey.get(key)
  }
}
