/** Every call to the proxy: a timeout below Zapier's limit, and transport failures in plain words. */
import type { HttpRequestOptionsWithUrl, HttpResponse, ZObject } from 'zapier-platform-core'

/** Zapier stops a create's `perform` after 30 seconds, requests included; it cannot be raised. */
export const ZAPIER_LIMIT_SECONDS = 30
/** The proxy gets 25 s, so the action can still fail with a message that says why. */
export const DEFAULT_TIMEOUT_MS = 25_000
/** Overrides the timeout (milliseconds), for tests that cannot wait 25 s. */
export const TIMEOUT_ENV = 'OPENSTACK_ZAPIER_TIMEOUT_MS'

export function requestTimeoutMs(): number {
  const override = Number(process.env[TIMEOUT_ENV])
  return Number.isInteger(override) && override > 0 ? override : DEFAULT_TIMEOUT_MS
}

/** A response body as JSON, or null when it is not JSON (then read as "no such field" by the callers). */
export function jsonBody(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.content)
  } catch {
    return null
  }
}

/** What node-fetch (under z.request) throws when the request never got an HTTP answer. */
interface FetchFailure {
  name: 'FetchError'
  type: string
  code?: string
}

function isFetchFailure(error: unknown): error is FetchFailure {
  return error instanceof Error && error.name === 'FetchError' && typeof (error as Partial<FetchFailure>).type === 'string'
}

/**
 * `z.request` with the timeout. A timeout or an unreachable proxy becomes a `z.errors.Error` that says
 * what to do; HTTP errors come from the afterResponse middleware and pass through unchanged.
 */
export async function callProxy(z: ZObject, request: HttpRequestOptionsWithUrl): Promise<HttpResponse> {
  const timeoutMs = requestTimeoutMs()
  try {
    return await z.request({ ...request, timeout: timeoutMs })
  } catch (error) {
    if (!isFetchFailure(error)) throw error
    if (error.type === 'request-timeout' || error.type === 'body-timeout') {
      throw new z.errors.Error(
        `The proxy did not answer within ${timeoutMs / 1000} seconds, and Zapier stops an action after ${ZAPIER_LIMIT_SECONDS} seconds. ` +
          'Lower Max Tokens (under Show Advanced Options), shorten the prompt, or choose a faster model.',
        'timeout',
        504,
      )
    }
    // The URL holds no secret (the base URL may not carry credentials); the key is in a header.
    const origin = new URL(request.url).origin
    throw new z.errors.Error(
      `Could not reach the proxy at ${origin} (${error.code ?? error.type}). Check the connection's Base URL and that the proxy is running.`,
      'unreachable',
      502,
    )
  }
}
