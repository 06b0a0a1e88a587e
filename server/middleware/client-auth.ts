import type { MiddlewareHandler } from 'hono'
import type { AppEnv, ErrorFormat } from '../context.ts'
import { errorResponse } from '../errors.ts'
import type { Paywalls } from '../paywalls.ts'

/** The client key, however the caller's SDK sends it (SPEC §2). */
export function clientKey(req: Request, url: URL): string | null {
  const authorization = req.headers.get('authorization')
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization)
    if (match?.[1]) return match[1].trim()
  }
  return req.headers.get('x-api-key') ?? req.headers.get('x-goog-api-key') ?? url.searchParams.get('key')
}

/** How each API's SDK sends its key, for the error that says one is missing. */
const HOW_TO_SEND_KEY: Record<ErrorFormat, string> = {
  openai: '"Authorization: Bearer <key>"',
  anthropic: '"x-api-key: <key>" (the Anthropic SDK\'s apiKey) or "Authorization: Bearer <key>"',
  gemini: '"x-goog-api-key: <key>" (the Gen AI SDK\'s apiKey) or "?key=<key>"',
}

/** Finds the paywall from the client key; 401 in the caller's format otherwise. The key is never echoed. */
export function clientAuth(paywalls: () => Paywalls): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = clientKey(c.req.raw, new URL(c.req.url))
    const paywall = key ? paywalls().forClientKey(key) : undefined
    if (!paywall) {
      const message = key
        ? 'Invalid API key: it matches no paywall. Use a client key from the proxy config (paywalls[].apiKeys).'
        : `Missing API key. Send the proxy client key as ${HOW_TO_SEND_KEY[c.get('errorFormat') ?? 'openai']}.`
      return errorResponse(c, 401, message, 'invalid_api_key')
    }
    c.set('paywall', paywall)
    await next()
  }
}
