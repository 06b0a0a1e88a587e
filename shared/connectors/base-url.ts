/**
 * The proxy base URL a connector's credential holds (SPEC §8): the proxy's `/v1` URL, e.g.
 * `https://proxy.example.com/v1`, to which `/models` and `/chat/completions` are appended.
 */

/** The base URL without surrounding blanks or a trailing slash, so `${base}/models` never has `//`. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '')
}

export type BaseUrlCheck = { ok: true; url: string } | { ok: false; message: string }

// Plain HTTP only reaches a proxy on the same machine: anything else would send the key in clear text.
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1'])
const EXAMPLE = 'https://proxy.example.com/v1'

/**
 * A base URL a connector may send its key to: HTTPS, or HTTP to localhost / 127.0.0.1; no credentials,
 * query or fragment (they would end up in the middle of every request URL). Trimmed as `trimBaseUrl`.
 */
export function checkBaseUrl(raw: unknown): BaseUrlCheck {
  const text = typeof raw === 'string' ? trimBaseUrl(raw) : ''
  if (text === '') return { ok: false, message: `Base URL is empty: enter the proxy's URL including /v1, e.g. ${EXAMPLE}` }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { ok: false, message: `Base URL is not a URL: enter the proxy's URL including /v1, e.g. ${EXAMPLE}` }
  }
  if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) {
    return { ok: false, message: `Base URL must use https:// (plain http:// is allowed only for localhost and 127.0.0.1), e.g. ${EXAMPLE}` }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, message: `Base URL must start with https://, e.g. ${EXAMPLE}` }
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, message: 'Base URL must not contain a user name or password: the API Key field holds the key' }
  }
  if (url.search !== '' || url.hash !== '') {
    return { ok: false, message: `Base URL must not have a query (?…) or fragment (#…), e.g. ${EXAMPLE}` }
  }
  return { ok: true, url: text }
}
