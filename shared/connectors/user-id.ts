/**
 * The end-user id a connector sends (SPEC §8): checked with the proxy's own rules (shared/user-id), so a
 * connector refuses a missing or bad id before any request instead of making an unattributed or refused call.
 */
import { resolveUserId } from '../user-id/index.ts'

/** Header the proxy reads the end-user id from (SPEC §2), sent beside the body field `user`. */
export const USER_HEADER = 'X-Openstack-User'

export type ConnectorUserId =
  /** `fromDefault`: the field was blank and the fallback (a connection's default user) gave the id. */
  | { ok: true; userId: string; fromDefault: boolean }
  | { ok: false; reason: 'missing' }
  /** `inDefault`: the fallback, not the field, broke the rule. */
  | { ok: false; reason: 'invalid'; message: string; inDefault: boolean }

/** A number from a mapping or an expression (`{{ $json.id }}`) is the same id as text. */
function asText(value: unknown): unknown {
  return typeof value === 'number' ? String(value) : value
}

/**
 * The id in a connector's user id field, else (when blank or absent) the fallback. A bad field value is
 * an error, not a reason to use the fallback: that would attribute the call to someone else.
 */
export function connectorUserId(value: unknown, fallback?: unknown): ConnectorUserId {
  const own = resolveUserId({ bodyUser: asText(value) })
  if (!own.ok) return { ok: false, reason: 'invalid', message: own.message, inDefault: false }
  if (own.userId !== null) return { ok: true, userId: own.userId, fromDefault: false }
  const fromDefault = resolveUserId({ bodyUser: asText(fallback) })
  if (!fromDefault.ok) return { ok: false, reason: 'invalid', message: fromDefault.message, inDefault: true }
  if (fromDefault.userId !== null) return { ok: true, userId: fromDefault.userId, fromDefault: true }
  return { ok: false, reason: 'missing' }
}

// HTTP clients refuse header values outside Latin-1, and servers disagree on decoding non-ASCII bytes.
const HEADER_SAFE = /^[\x20-\x7e]+$/

/**
 * The user header for an id. An id that cannot travel in a header (non-ASCII, such as a name in Chinese)
 * goes in the body field `user` only, which the proxy reads first anyway.
 */
export function userHeaders(userId: string): Record<string, string> {
  return HEADER_SAFE.test(userId) ? { [USER_HEADER]: userId } : {}
}
