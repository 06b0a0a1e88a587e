import { z } from 'zod'

const providerSchema = z.strictObject({
  type: z.enum(['openai-compatible', 'openai', 'anthropic', 'gemini']).optional(),
  apiKey: z.string().min(1),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
})

const priceSchema = z.strictObject({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  cacheReadPerMTok: z.number().nonnegative().optional(),
  cacheWritePerMTok: z.number().nonnegative().optional(),
})

const posthogSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    apiKey: z.string().min(1).optional(),
    host: z.url({ protocol: /^https?$/ }).default('https://us.i.posthog.com'),
    projectId: z.union([z.string().min(1), z.number().int().positive().transform(String)]).optional(),
    privacyMode: z.boolean().default(false),
    anonymousFallback: z.boolean().default(false),
  })
  .superRefine((posthog, ctx) => {
    if (posthog.enabled && !posthog.apiKey) ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'required when enabled' })
  })

const paywallSchema = z
  .strictObject({
    id: z.string().min(1),
    name: z.string().min(1).optional(),
    apiKeys: z.array(z.string().min(1)).min(1),
    defaultProvider: z.string().min(1).optional(),
    requireUser: z.boolean().default(false),
    passthroughClientKeys: z.boolean().default(false),
    providers: z.record(z.string().min(1), providerSchema),
    posthog: posthogSchema.default({ enabled: false, host: 'https://us.i.posthog.com', privacyMode: false, anonymousFallback: false }),
    pricing: z.record(z.string().min(1), priceSchema).default({}),
  })
  .superRefine((paywall, ctx) => {
    if (paywall.defaultProvider !== undefined && !(paywall.defaultProvider in paywall.providers)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultProvider'],
        message: `"${paywall.defaultProvider}" is not one of the paywall's providers (${Object.keys(paywall.providers).join(', ') || 'none'})`,
      })
    }
  })

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        port: z.number().int().min(0).max(65535).default(8787),
        hostname: z.string().min(1).default('127.0.0.1'),
        maxBodyBytes: z.number().int().positive().default(10 * 1024 * 1024),
        adminToken: z.string().min(1).optional(),
        /** How long to wait for the upstream's response headers. */
        upstreamTimeoutMs: z.number().int().positive().default(600_000),
        /** Node: processes serving the port (node:cluster), one per core is the usual choice. */
        workers: z.number().int().min(1).max(256).default(1),
        /** Deno: set SO_REUSEPORT so several processes can serve one port (Linux). */
        reusePort: z.boolean().default(false),
      })
      .prefault({}),
    analytics: z
      .strictObject({
        /** The durable spool (SPEC §6); with `server.workers`, each worker gets `worker-N` below it. */
        spoolDir: z.string().min(1).default('./data/spool'),
        /** Past this size on disk, new events are refused (counted in /metrics) and requests go on. */
        spoolMaxBytes: z.number().int().positive().default(512 * 1024 * 1024),
        /** Batching: send once this many events wait, or this long after the first one arrived. */
        flushAt: z.number().int().positive().default(20),
        flushIntervalMs: z.number().int().nonnegative().default(5000),
        /** Backoff after PostHog failed a batch: full jitter over base · 2^failures, capped. */
        retryBaseMs: z.number().int().positive().default(1000),
        retryMaxMs: z.number().int().positive().default(60_000),
      })
      .prefault({}),
    paywalls: z.array(paywallSchema).min(1),
  })
  .superRefine((config, ctx) => {
    const ids = new Set<string>()
    const keys = new Map<string, number>()
    config.paywalls.forEach((paywall, index) => {
      if (ids.has(paywall.id)) ctx.addIssue({ code: 'custom', path: ['paywalls', index, 'id'], message: `duplicate paywall id "${paywall.id}"` })
      ids.add(paywall.id)
      paywall.apiKeys.forEach((key, keyIndex) => {
        const owner = keys.get(key)
        // The message never repeats the key itself: it is a secret.
        if (owner !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['paywalls', index, 'apiKeys', keyIndex],
            message: `this client key is already used by paywalls[${owner}]`,
          })
        }
        keys.set(key, index)
      })
    })
  })

export type Config = z.output<typeof configSchema>
export type PaywallConfig = Config['paywalls'][number]
export type PostHogConfig = PaywallConfig['posthog']
