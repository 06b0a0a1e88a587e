/**
 * The Spool contract kept in memory, with nothing written anywhere: for tests about delivery rather than the
 * disk, and for the benchmark's baseline that measures what the durable spool itself costs (bench/README.md).
 */
import type { AppendResult, Spool, SpoolEntry, SpoolStats } from '../../server/analytics/spool/types.ts'

export class MemorySpool implements Spool {
  readonly entries = new Map<string, SpoolEntry>()
  readonly dead: Array<{ entry: SpoolEntry; reason: string }> = []
  /** `capacity`: entries held at most; appends beyond it are refused, as a full file spool refuses them. */
  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {}
  async append(entries: SpoolEntry[]): Promise<AppendResult> {
    let refused = 0
    for (const entry of entries) {
      if (this.entries.size >= this.capacity) refused++
      else this.entries.set(entry.uuid, entry)
    }
    return { spooled: entries.length - refused, refused }
  }
  written(): Promise<void> {
    return Promise.resolve()
  }
  pending(limit: number, exclude?: ReadonlySet<string>): SpoolEntry[] {
    const out: SpoolEntry[] = []
    for (const entry of this.entries.values()) {
      if (out.length >= limit) break
      if (!exclude?.has(entry.uuid)) out.push(entry)
    }
    return out
  }
  async ack(uuids: Iterable<string>): Promise<void> {
    for (const uuid of uuids) this.entries.delete(uuid)
  }
  async deadLetter(entries: SpoolEntry[], reason: string): Promise<void> {
    for (const entry of entries) {
      this.dead.push({ entry, reason })
      this.entries.delete(entry.uuid)
    }
  }
  stats(): SpoolStats {
    return { depth: this.entries.size, bytes: 0, oldestAgeSeconds: null }
  }
  async close(): Promise<void> {}
}

/** `RuntimeParts.openSpool` for a spool in memory: the directory is ignored. */
export async function openMemorySpool(_dir: string, _options: { maxBytes: number }): Promise<Spool> {
  return new MemorySpool()
}
