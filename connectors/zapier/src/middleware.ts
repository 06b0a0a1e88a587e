/** Middleware of every z.request: the Bearer key out, the proxy's own error message back. */
import type { AfterResponseMiddleware, BeforeRequestMiddleware } from 'zapier-platform-core'
import { errorFromOpenAIBody } from '../../../shared/apis/openai/error.ts'
import { apiKey } from './connection.ts'
import { jsonBody } from './request.ts'

/** Custom auth adds no header itself: the key goes out as the proxy's clients send it (SPEC §2). */
export const addBearerKey: BeforeRequestMiddleware = (request, _z, bundle) => {
  const key = apiKey(bundle)
  if (key !== '') request.headers = { ...request.headers, Authorization: `Bearer ${key}` }
  return request
}

/** The message as one sentence, so a hint can follow it. */
function sentence(message: string): string {
  return /[.!?]$/.test(message.trim()) ? message.trim() : `${message.trim()}.`
}

/** Retry-After in seconds (the proxy passes the upstream's on), as core reads it; undefined: Zapier's default. */
function retryAfterSeconds(value: string | undefined): number | undefined {
  const seconds = Number.parseInt(value ?? '', 10)
  return Number.isNaN(seconds) || seconds < 0 ? undefined : seconds
}

/**
 * A 4xx/5xx answer as an error carrying the proxy's own message (its OpenAI-format error body). Runs
 * before core's throwForStatus, which would say only the status. A 429 becomes the ThrottledError core
 * would throw (Zapier retries after Retry-After), but with the proxy's message: the app sets
 * `throwForThrottlingEarly: false` so that core's own, which says only "429", does not come first.
 */
export const proxyErrors: AfterResponseMiddleware = (response, z) => {
  if (response.status < 400) return response
  const error = errorFromOpenAIBody(jsonBody(response), response.status)
  if (response.status === 429) throw new z.errors.ThrottledError(error.message, retryAfterSeconds(response.getHeader('retry-after')))
  if (response.status === 401) {
    // Not a plain error: Zapier then asks the user to reconnect and holds the Zap's runs meanwhile.
    throw new z.errors.ExpiredAuthError(`${sentence(error.message)} Check the API Key of this connection: it must be a client key of your paywall on the proxy.`)
  }
  throw new z.errors.Error(error.message, error.code ?? error.type ?? undefined, response.status)
}
