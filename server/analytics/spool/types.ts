/**
 * The durable spool of SPEC §6: every event is written here before it is handed to posthog-node, and
 * leaves only once PostHog accepted the batch that held it (or it was dead-lettered).
 */

/** One event as spooled: everything needed to send it again after a restart, unchanged. */
export interface SpoolEntry {
  /** The event's UUIDv7: PostHog deduplicates retries by it. */
  uuid: string
  /** Where it goes: one posthog-node client per (host, project key). */
  host: string
  apiKey: string
  event: '$ai_generation' | '$ai_embedding'
  distinctId: string
  /** ISO-8601 request start: the event's timestamp, kept across retries. */
  timestamp: string
  properties: Record<string, unknown>
}

export interface AppendResult {
  /** Entries now on disk. */
  spooled: number
  /** Entries refused because the spool is at `maxBytes` (counted and visible in /metrics). */
  refused: number
}

export interface SpoolStats {
  /** Entries waiting for PostHog. */
  depth: number
  /** Bytes their records take on disk. */
  bytes: number
  /** Age of the oldest waiting entry, in seconds; null when none waits. */
  oldestAgeSeconds: number | null
}

export interface Spool {
  /**
   * Writes entries durably. Appends are grouped into shared writes and a shared fsync, so the spool costs
   * almost nothing per request. Resolves once they are on disk (fsynced).
   */
  append(entries: SpoolEntry[]): Promise<AppendResult>
  /**
   * Resolves once every entry appended before the call is written where a crash of this process (kill -9)
   * cannot lose it, before its fsync. Never rejects: a failed write rejects its `append`.
   */
  written(): Promise<void>
  /** Waiting entries, oldest first, at most `limit`, leaving out the uuids in `exclude` (in flight). */
  pending(limit: number, exclude?: ReadonlySet<string>): SpoolEntry[]
  /** Removes delivered entries; durable before it resolves. Unknown uuids are ignored. */
  ack(uuids: Iterable<string>): Promise<void>
  /** Moves entries PostHog refused for good to the dead-letter file, each with the reason, and removes them. */
  deadLetter(entries: SpoolEntry[], reason: string): Promise<void>
  stats(): SpoolStats
  /** Finishes pending writes and releases the directory. */
  close(): Promise<void>
}
