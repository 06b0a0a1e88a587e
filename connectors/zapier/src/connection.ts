/** The connection's fields as every request reads them: the checked base URL and the API key. */
import type { Bundle, ZObject } from 'zapier-platform-core'
import { checkBaseUrl } from '../../../shared/connectors/base-url.ts'

/**
 * The connection's Base URL (the proxy's `/v1` URL), trimmed and checked (HTTPS, or HTTP to localhost or
 * 127.0.0.1): a bad one stops here, before the key is sent anywhere.
 */
export function proxyBaseUrl(z: ZObject, bundle: Bundle): string {
  const result = checkBaseUrl(bundle.authData.base_url)
  if (!result.ok) throw new z.errors.Error(result.message, 'invalid_base_url', 400)
  return result.url
}

/** The connection's API key, trimmed (a pasted key often carries a blank); '' when unset. */
export function apiKey(bundle: Bundle): string {
  return (bundle.authData.api_key ?? '').trim()
}
