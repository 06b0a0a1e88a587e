/**
 * End-user id resolution (SPEC §2): the id becomes the PostHog `distinct_id`.
 * First match wins: body `user`, body `metadata.user_id`, header `X-Openstack-User`, path prefix `/{user}/`.
 */

export const MAX_USER_ID_LENGTH = 200

export type UserIdSource = 'body.user' | 'body.metadata.user_id' | 'header' | 'path'

export interface UserIdCandidates {
  /** The request body's `user` field, as parsed (any JSON value). */
  bodyUser?: unknown
  /** The request body's `metadata.user_id` field (Anthropic Messages). */
  bodyMetadataUserId?: unknown
  /** `X-Openstack-User` header value. */
  header?: string | null
  /** The URL-decoded `/{user}/` path prefix. */
  pathUser?: string | null
}

export type UserIdResult =
  | { ok: true; userId: string; source: UserIdSource }
  | { ok: true; userId: null }
  | { ok: false; message: string; source: UserIdSource }

const SOURCE_NAMES: Record<UserIdSource, string> = {
  'body.user': 'body field `user`',
  'body.metadata.user_id': 'body field `metadata.user_id`',
  header: 'header X-Openstack-User',
  path: 'path prefix /{user}/',
}

// C0 controls, DEL and C1 controls: they break logs and PostHog person views.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/

export function resolveUserId(candidates: UserIdCandidates): UserIdResult {
  const ordered: Array<[UserIdSource, unknown]> = [
    ['body.user', candidates.bodyUser],
    ['body.metadata.user_id', candidates.bodyMetadataUserId],
    ['header', candidates.header],
    ['path', candidates.pathUser],
  ]
  for (const [source, raw] of ordered) {
    if (raw === undefined || raw === null) continue
    if (typeof raw !== 'string') {
      return { ok: false, source, message: `The ${SOURCE_NAMES[source]} must be a string.` }
    }
    const userId = raw.trim()
    if (userId === '') continue
    if (userId.length > MAX_USER_ID_LENGTH) {
      return {
        ok: false,
        source,
        message: `The user id in the ${SOURCE_NAMES[source]} is ${userId.length} characters long; the limit is ${MAX_USER_ID_LENGTH}.`,
      }
    }
    if (CONTROL_CHARACTERS.test(userId)) {
      return { ok: false, source, message: `The user id in the ${SOURCE_NAMES[source]} contains control characters.` }
    }
    return { ok: true, userId, source }
  }
  return { ok: true, userId: null }
}
