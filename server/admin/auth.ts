/**
 * Admin authentication with Web Crypto only: the token compared in constant time, and a stateless
 * session (an HMAC of its issue time under a key derived from the admin token), so every process of a
 * cluster accepts it and changing the token signs everyone out. Forms carry a CSRF token derived from
 * the session the same way.
 */
import { timingSafeEqual } from 'hono/utils/buffer'

export const SESSION_COOKIE = 'openstack_admin'
export const SESSION_SECONDS = 8 * 60 * 60

export function tokenMatches(given: string, token: string): Promise<boolean> {
  return timingSafeEqual(given, token)
}

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '')
  return match?.[1]?.trim() || null
}

/** A new session cookie value: `<issued ms>.<signature>`. */
export async function newSession(token: string, nowMs: number): Promise<string> {
  const issued = String(nowMs)
  return `${issued}.${await sign(token, `session.${issued}`)}`
}

/** Whether the cookie value is a session signed with this token and not expired. */
export async function validSession(value: string | undefined, token: string, nowMs: number): Promise<boolean> {
  const [issued, signature, extra] = (value ?? '').split('.')
  if (!issued || !signature || extra !== undefined || !/^\d+$/.test(issued)) return false
  const age = nowMs - Number(issued)
  if (age < 0 || age > SESSION_SECONDS * 1000) return false
  return timingSafeEqual(signature, await sign(token, `session.${issued}`))
}

/** The CSRF token of a session (a hidden field in each form). */
export function csrfToken(session: string, token: string): Promise<string> {
  return sign(token, `csrf.${session}`)
}

async function sign(token: string, data: string): Promise<string> {
  const encoder = new TextEncoder()
  const key = await crypto.subtle.importKey('raw', encoder.encode(`openstack-admin.${token}`), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(data)))
  return btoa(String.fromCharCode(...mac)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
