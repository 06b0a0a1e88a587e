/**
 * The durable spool of SPEC §6 as a segment log on the local disk (the design of Vector's and Fluent Bit's
 * disk buffers), with `node:fs` only, so it runs unchanged on Node 20 and Deno 2.
 *
 * On disk, in `dir`:
 *   seg-0000000001.log, ...   the log: one record a line (format in record.ts): entries, and acks that
 *                             remove entries (delivered or dead-lettered). Appends go to the newest segment;
 *                             a segment is sealed at `segmentBytes` (8 MiB) and a new one started.
 *   dead-letter.jsonl         `{"at":ISO,"reason":...,"entry":{...}}` a line, for events PostHog refused for good.
 *   lock                      `<pid> <token>`: one process per directory (lock.ts).
 * Files are created 0600 (entries carry the PostHog project key).
 *
 * Writes are grouped and never block the event loop: one asynchronous write() at a time (libuv's thread
 * pool), and every record appended while it is in flight goes out together in the next one, so under load
 * one write carries many records and an idle append is written at once. `written()` resolves once every
 * record appended before it is in the kernel, where it survives the process (kill -9, a crash): the proxy
 * waits for it before its response's last byte, so a request answered before a kill has its event on disk,
 * while a slow disk delays only the requests whose events wait, never the others. What a power cut needs,
 * fdatasync, is grouped too: every record written since the last one shares the next (group commit), and
 * under load commits are at least `minSyncIntervalMs` (100 ms) apart, so its cost is paid ~10 times a
 * second at most, not per request. `append`/`ack` resolve only after that fdatasync. An entry enters the
 * in-memory index (what `pending()` returns) only once synced, so nothing is handed to PostHog before it is
 * on disk.
 *
 * Deleting: a sealed segment is deleted once none of its entries waits AND every older segment holding a
 * record that one of its acks cancels is gone already (an ack must outlive the records it cancels, or they
 * would come back on recovery). An ack is always written after the records of its uuid, so these
 * dependencies point only to older segments; each segment keeps the set of them. The directory is fsynced
 * between deleting a segment and deleting one that depended on it, so even a power cut cannot keep the
 * record and lose the ack. A crash between deletes at worst brings back an entry PostHog already has; it
 * deduplicates by uuid.
 * Compaction: a sealed segment older than `compactAfterMs` that is less than half live, or whose records
 * keep an otherwise empty later segment on disk (its acks must outlive them), has its waiting entries
 * copied to the newest segment (same uuid, same spool time; on recovery the newest record of a uuid is the
 * current one), and is then deleted like any other. So a few stuck entries (one project's PostHog down)
 * cannot pin acked segments: on disk the log stays under about 2 x the waiting bytes plus the segments
 * younger than `compactAfterMs`.
 *
 * Recovery on open reads every segment in order, skips (and counts) torn or damaged lines, replays entries
 * and acks (rebuilding the same dependencies), and deletes what can go. After a failed write or fdatasync,
 * and on every open, new records go to a new segment, so a torn tail is never followed by new data. What a
 * crash of the process can do, at any point: an entry appended before a `written()` that resolved is never
 * lost (unless that write stalled past `writeWaitLimitMs`); an entry whose `ack` resolved never comes back.
 * A power cut can also lose entries whose `append` had not resolved yet. Entries may come back twice
 * (delivery is at least once; PostHog deduplicates by uuid).
 *
 * Errors never carry entry contents (entries hold the project key); only paths and error codes.
 */
import { Buffer } from 'node:buffer'
import { close as closeCallback, fdatasync as fdatasyncCallback, openSync, write as writeCallback } from 'node:fs'
import { type FileHandle, mkdir, open, readdir, readFile, realpath, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { clearTimeout, setImmediate, setTimeout } from 'node:timers'
import { promisify } from 'node:util'
import { syncDir } from '../../adapters/sync-dir.ts'
import { acquireDirLock, type DirLock, errorCode } from './lock.ts'
import { decodeSegment, encodeEntry, encodeRecord, type Line, linesToBuffer, writeLines } from './record.ts'
import type { AppendResult, Spool, SpoolEntry, SpoolStats } from './types.ts'

export interface FileSpoolOptions {
  /**
   * Cap on the bytes the waiting entries' records take on disk (what `stats().bytes` reports), counting
   * records still being written. An entry whose record would take the spool over the cap is refused, not
   * written: `append` counts it in `refused` and the caller counts it in /metrics. Each entry is judged on
   * its own, so a smaller entry after a refused one can still fit. The cap also bounds the index in memory.
   */
  maxBytes: number
  /** Clock for spool times and ages, in ms since the epoch. Default `Date.now`. */
  now?: () => number
  /**
   * Least time between the starts of two group commits (fdatasync). A record written while idle is synced
   * at once; under load, records gather for up to this long and share one fdatasync, whose CPU cost
   * (~0.3 ms on a VM) would otherwise be paid for every few requests. Delays durability against a power
   * cut (and so delivery) by at most this much, never a user's request. Default 100 ms: against 10 ms, the
   * benchmark's CPU per request under load fell by about a tenth (each fdatasync is a journal commit).
   */
  minSyncIntervalMs?: number
  /**
   * How long `written()` waits for a write at most. A write that takes longer (a stalled disk) stops
   * holding the responses waiting for it: they go out, and their events are still written once the disk
   * answers (only a crash before then could lose them). Default 2 s.
   */
  writeWaitLimitMs?: number
  /** A segment is sealed once it reaches this size. Default 8 MiB. */
  segmentBytes?: number
  /** A lock whose lease is older than this is stale (lock.ts). Default 6 s; renewed every quarter of it. */
  lockStaleMs?: number
  /** A sealed head segment becomes a candidate for compaction after this long. Default 30 s. */
  compactAfterMs?: number
}

export interface SpoolRecovery {
  /** Segment files found on open. */
  segments: number
  /** Entries waiting after recovery. */
  entries: number
  /** Segments deleted on open because all their entries were acked. */
  segmentsDeleted: number
  /** Last lines cut short by a crash, skipped. */
  torn: number
  /** Complete lines with a bad checksum or shape, skipped. */
  corrupt: number
}

export interface FileSpool extends Spool {
  readonly dir: string
  readonly recovery: SpoolRecovery
  /** Counters of the log's I/O: group commit makes `writes` and `syncs` far fewer than appends. */
  io(): { writes: number; syncs: number; segments: number; diskBytes: number }
}

const DEFAULT_MIN_SYNC_INTERVAL_MS = 100
const DEFAULT_WRITE_WAIT_LIMIT_MS = 2_000
const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024
/** The reused write buffer grows up to this; a larger group gets a buffer of its own. */
const MAX_WRITE_BUFFER_BYTES = 4 * 1024 * 1024
const DEFAULT_LOCK_STALE_MS = 6_000
const DEFAULT_COMPACT_AFTER_MS = 30_000
const SEGMENT_NAME = /^seg-(\d{10})\.log$/
const DEAD_LETTER_FILE = 'dead-letter.jsonl'

/** Directories open in this process (a second open must fail even though the lock's pid is ours). */
const openDirs = new Set<string>()

export async function openFileSpool(dir: string, options: FileSpoolOptions): Promise<FileSpool> {
  if (!(options.maxBytes > 0)) throw new RangeError('spool: maxBytes must be a positive number')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const key = await realpath(dir)
  if (openDirs.has(key)) throw new Error(`spool: the spool directory ${dir} is already open in this process`)
  openDirs.add(key)
  try {
    const lock = await acquireDirLock(key, options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS)
    try {
      const spool = new FileSpoolImpl(key, dir, lock, options)
      await spool.recover()
      return spool
    } catch (err) {
      await lock.release()
      throw err
    }
  } catch (err) {
    openDirs.delete(key)
    throw err
  }
}

interface Segment {
  n: number
  path: string
  /** Bytes written (for the active segment: the next write position). */
  size: number
  /** Waiting entries whose current record is here, and their bytes. */
  live: number
  liveBytes: number
  /** Open while active, and after that until what was written to it is synced. */
  fd: number | null
  /** Written to since its last fdatasync. */
  dirty: boolean
  /** A write to it is in flight: its fd must stay open. */
  writing: boolean
  /** Its directory entry is durable (the directory was fsynced after it was created). */
  named: boolean
  sealedAt: number
  /** Older segments holding records that acks in this one cancel: this one goes only after them. */
  deps: Set<Segment>
  deleted: boolean
}

interface Item {
  entry: SpoolEntry
  /** When it was first spooled (ms). */
  at: number
  /** Bytes of its current record. */
  bytes: number
  /** The segment of its current (newest) record. */
  seg: Segment
  /** Segments holding older records of the same uuid (compaction's originals, rare duplicates). */
  older: Segment[] | null
  /** Being acked or dead-lettered: not pending, not to be copied. */
  busy: boolean
  /** A copy is being written by compaction. */
  moving: boolean
}

/** Records waiting for their write, and what to do once they are written (or it failed). */
interface WriteOp {
  lines: Line[]
  /** Registers them for the group commit of `seg`. */
  written(seg: Segment): void
  failed(err: Error): void
}

/**
 * The ops one write() carries. `done` resolves once it is over, whatever its outcome, or once it took longer
 * than `writeWaitLimitMs` (what `written()` waits for); `ended` only once it is really over (what close waits for).
 */
interface WriteBatch {
  ops: WriteOp[]
  done: Promise<void>
  finish(): void
  ended: Promise<void>
  end(): void
}

/** Records written and waiting for the next group commit, and what to do once they are synced (or failed). */
interface Chunk {
  /** Where they were written. */
  seg: Segment
  /** Applies the records to the index; returns what settles the caller's promise (after deletions). */
  done(seg: Segment): (() => void) | void
  fail(err: Error): void
}

class FileSpoolImpl implements FileSpool {
  readonly recovery: SpoolRecovery = { segments: 0, entries: 0, segmentsDeleted: 0, torn: 0, corrupt: 0 }
  private readonly now: () => number
  private readonly maxBytes: number
  private readonly segmentBytes: number
  private readonly compactAfterMs: number
  private readonly minSyncIntervalMs: number
  private readonly writeWaitLimitMs: number
  /** performance.now() when the last group commit started. */
  private lastCommitAt = Number.NEGATIVE_INFINITY

  /** Waiting entries by uuid, oldest first. */
  private index = new Map<string, Item>()
  private liveBytes = 0
  /** Bytes of entry records queued or being written: they count against maxBytes already. */
  private reserved = 0
  /** Segments on disk, oldest first; the last may be `active`. */
  private readonly segs: Segment[] = []
  private active: Segment | null = null
  private nextSegment = 1

  /** The write in flight, and the batch gathering behind it (written as soon as the one in flight is done). */
  private writing: WriteBatch | null = null
  private writeBuffer = Buffer.allocUnsafe(64 * 1024)
  private gathering: WriteBatch | null = null
  private queue: Chunk[] = []
  /** A segment was sealed since the last collect. */
  private sealed = false
  private scheduled = false
  private draining: Promise<void> | null = null
  private writes = 0
  private syncs = 0

  private deadLetterFile: FileHandle | null = null
  private deadLetterChain: Promise<unknown> = Promise.resolve()
  private readonly deadLetterOps = new Set<Promise<unknown>>()

  private closed = false
  private closing: Promise<void> | null = null

  constructor(
    private readonly key: string,
    readonly dir: string,
    private readonly lock: DirLock,
    options: FileSpoolOptions,
  ) {
    this.now = options.now ?? Date.now
    this.maxBytes = options.maxBytes
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES
    this.compactAfterMs = options.compactAfterMs ?? DEFAULT_COMPACT_AFTER_MS
    this.minSyncIntervalMs = options.minSyncIntervalMs ?? DEFAULT_MIN_SYNC_INTERVAL_MS
    this.writeWaitLimitMs = options.writeWaitLimitMs ?? DEFAULT_WRITE_WAIT_LIMIT_MS
  }

  // ---- Spool ----

  append(entries: SpoolEntry[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('spool: append after close'))
    if (entries.length === 0) return Promise.resolve({ spooled: 0, refused: 0 })
    const at = this.now()
    const lines: Line[] = []
    const accepted: SpoolEntry[] = []
    let bytes = 0
    let refused = 0
    let already = 0
    try {
      for (const entry of entries) {
        if (this.index.has(entry.uuid)) {
          already++ // on disk and waiting: nothing to add
          continue
        }
        const line = encodeEntry(at, entry)
        if (this.liveBytes + this.reserved + bytes + line.bytes > this.maxBytes) {
          refused++
          continue
        }
        lines.push(line)
        accepted.push(entry)
        bytes += line.bytes
      }
    } catch (err) {
      return Promise.reject(err)
    }
    if (lines.length === 0) return Promise.resolve({ spooled: already, refused })
    // Only the sizes wait for the commit: the records' JSON text, once written, can be collected young.
    const sizes = lines.map((line) => line.bytes)
    this.reserved += bytes
    return new Promise<AppendResult>((resolve, reject) => {
      const fail = (err: Error) => {
        this.reserved -= bytes
        reject(err)
      }
      const synced = (seg: Segment) => {
        this.reserved -= bytes
        for (let i = 0; i < accepted.length; i++) {
          const entry = accepted[i]!
          const twin = this.index.get(entry.uuid)
          if (twin) {
            ;(twin.older ??= []).push(seg) // the same uuid appended twice at once: keep the first
            continue
          }
          const size = sizes[i]!
          this.index.set(entry.uuid, { entry, at, bytes: size, seg, older: null, busy: false, moving: false })
          seg.live++
          seg.liveBytes += size
          this.liveBytes += size
        }
        return () => resolve({ spooled: accepted.length + already, refused })
      }
      this.writeAndSync(lines, synced, fail)
    })
  }

  written(): Promise<void> {
    return this.lastWrite?.done ?? Promise.resolve()
  }

  pending(limit: number, exclude?: ReadonlySet<string>): SpoolEntry[] {
    const out: SpoolEntry[] = []
    if (!(limit > 0)) return out
    for (const item of this.index.values()) {
      if (item.busy || exclude?.has(item.entry.uuid)) continue
      out.push(item.entry)
      if (out.length >= limit) break
    }
    return out
  }

  ack(uuids: Iterable<string>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('spool: ack after close'))
    const items: Item[] = []
    for (const uuid of uuids) {
      const item = this.index.get(uuid)
      if (item && !item.busy) {
        item.busy = true
        items.push(item)
      }
    }
    return this.writeAck(items)
  }

  deadLetter(entries: SpoolEntry[], reason: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('spool: deadLetter after close'))
    const items: Item[] = []
    for (const entry of entries) {
      const item = this.index.get(entry.uuid)
      if (item && !item.busy) {
        item.busy = true
        items.push(item)
      }
    }
    if (items.length === 0) return Promise.resolve()
    // First durable in the dead-letter file, then acked: a crash in between leaves the entry both there and
    // waiting (it is retried and may be dead-lettered twice), never in neither.
    const op = this.writeDeadLetters(items, reason).then(
      () => this.writeAck(items),
      (err: unknown) => {
        for (const item of items) item.busy = false
        throw err
      },
    )
    this.deadLetterOps.add(op)
    const forget = () => this.deadLetterOps.delete(op)
    op.then(forget, forget)
    return op
  }

  stats(): SpoolStats {
    const oldest = this.index.values().next()
    return {
      depth: this.index.size,
      bytes: this.liveBytes,
      oldestAgeSeconds: oldest.done ? null : Math.max(0, (this.now() - oldest.value.at) / 1000),
    }
  }

  close(): Promise<void> {
    if (this.closing) return this.closing
    this.closed = true
    this.closing = (async () => {
      try {
        await Promise.allSettled([...this.deadLetterOps])
        await this.idle()
        await this.deadLetterChain.catch(() => undefined)
        this.active = null
        for (const seg of this.segs) await closeSegment(seg)
        await this.deadLetterFile?.close().catch(() => undefined)
        this.deadLetterFile = null
      } finally {
        await this.lock.release()
        openDirs.delete(this.key)
      }
    })()
    return this.closing
  }

  io(): { writes: number; syncs: number; segments: number; diskBytes: number } {
    let diskBytes = 0
    for (const seg of this.segs) diskBytes += seg.size
    return { writes: this.writes, syncs: this.syncs, segments: this.segs.length, diskBytes }
  }

  // ---- recovery ----

  async recover(): Promise<void> {
    const numbers = (await readdir(this.key))
      .map((name) => SEGMENT_NAME.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b)
    const openedAt = this.now()
    for (const n of numbers) {
      const path = this.segmentPath(n)
      let buf: Buffer
      try {
        buf = await readFile(path)
      } catch (err) {
        throw ioError('read', path, err)
      }
      const seg = newSegment(n, path, buf.length, null, openedAt)
      this.segs.push(seg)
      const decoded = decodeSegment(buf)
      this.recovery.torn += decoded.torn
      this.recovery.corrupt += decoded.corrupt
      for (const { record, bytes } of decoded.records) {
        if (record.k === 'a') {
          for (const uuid of record.u) {
            const item = this.index.get(uuid)
            if (item) this.settle(item, seg)
          }
          continue
        }
        const existing = this.index.get(record.e.uuid)
        if (existing) {
          this.move(existing, seg, bytes) // a compaction copy (or a duplicate): the latest record is current
        } else {
          const item: Item = { entry: record.e, at: record.at, bytes, seg, older: null, busy: false, moving: false }
          this.index.set(record.e.uuid, item)
          seg.live++
          seg.liveBytes += bytes
          this.liveBytes += bytes
        }
      }
    }
    this.recovery.segments = numbers.length
    this.nextSegment = (numbers.at(-1) ?? 0) + 1
    // Oldest first by spool time (compaction copies sit later in the log than their age says).
    const items = [...this.index.values()].sort((a, b) => a.at - b.at)
    this.index = new Map(items.map((item) => [item.entry.uuid, item]))
    this.recovery.entries = this.index.size
    this.recovery.segmentsDeleted = await this.collect()
  }

  // ---- the write path ----

  private writeAck(items: Item[]): Promise<void> {
    if (items.length === 0) return Promise.resolve()
    const release = () => {
      for (const item of items) item.busy = false
    }
    let line: Line
    try {
      line = encodeRecord({ k: 'a', u: items.map((item) => item.entry.uuid) })
    } catch (err) {
      release()
      return Promise.reject(err)
    }
    return new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        release()
        reject(err)
      }
      const synced = (seg: Segment) => {
        for (const item of items) if (this.index.get(item.entry.uuid) === item) this.settle(item, seg)
        return resolve
      }
      this.writeAndSync([line], synced, fail)
    })
  }

  /** Writes the lines (grouped with others), then waits for their group commit; `fail` if either fails. */
  private writeAndSync(lines: Line[], done: Chunk['done'], fail: (err: Error) => void): void {
    this.enqueue({ lines, failed: fail, written: (seg) => this.awaitSync({ seg, done, fail }) })
  }

  /** The write that ends last of those queued or in flight: once it is over, every earlier one is too. */
  private get lastWrite(): WriteBatch | null {
    return this.gathering ?? this.writing
  }

  /**
   * Queues records for the next write. With none in flight it starts at the end of this task (so that the
   * appends of one task share it); otherwise the one in flight starts it when done (see the top of this file).
   */
  private enqueue(op: WriteOp): void {
    if (!this.gathering) {
      let finish!: () => void
      let end!: () => void
      const done = new Promise<void>((resolve) => (finish = resolve))
      const ended = new Promise<void>((resolve) => (end = resolve))
      this.gathering = { ops: [], done, finish, ended, end }
    }
    this.gathering.ops.push(op)
    if (this.writing || this.gathering.ops.length > 1) return // started already, or will be
    queueMicrotask(() => {
      if (!this.writing) this.writeNext()
    })
  }

  /**
   * Writes every gathered record as one write() at the end of the active segment (started, or first sealed
   * when full, here). On failure the segment's tail is unknown, so it takes no more records; the next write
   * starts a new one.
   */
  private writeNext(): void {
    const batch = this.gathering
    this.gathering = null
    this.writing = batch
    if (!batch) return
    const stalled = setTimeout(batch.finish, this.writeWaitLimitMs)
    stalled.unref()
    const end = (outcome: { seg: Segment } | { error: Error }) => {
      clearTimeout(stalled)
      if ('seg' in outcome) for (const op of batch.ops) op.written(outcome.seg)
      else for (const op of batch.ops) op.failed(outcome.error)
      batch.finish()
      batch.end()
      this.writeNext()
    }
    const lines = batch.ops.length === 1 ? batch.ops[0]!.lines : batch.ops.flatMap((op) => op.lines)
    const buf = this.encode(lines)
    let seg: Segment
    try {
      seg = this.activeFor(buf.length)
    } catch (err) {
      end({ error: err instanceof Error ? err : new Error(String(err)) })
      return
    }
    seg.writing = true
    writeFully(seg.fd!, buf, seg.size, (err) => {
      seg.writing = false
      if (err) {
        this.seal(seg)
        end({ error: ioError('write to', seg.path, err) })
        return
      }
      this.writes++
      seg.size += buf.length
      seg.dirty = true
      end({ seg })
    })
  }

  /**
   * The lines framed into the write buffer, which is reused: only one write is ever in flight, and the next
   * starts when it is over. Grown as needed; one record larger than it gets a buffer of its own.
   */
  private encode(lines: Line[]): Buffer {
    let size = 0
    for (const line of lines) size += line.bytes
    if (size > this.writeBuffer.length) {
      if (size > MAX_WRITE_BUFFER_BYTES) return linesToBuffer(lines)
      this.writeBuffer = Buffer.allocUnsafe(Math.min(MAX_WRITE_BUFFER_BYTES, Math.max(size, this.writeBuffer.length * 2)))
    }
    return this.writeBuffer.subarray(0, writeLines(lines, this.writeBuffer, 0))
  }

  /** The segment to write `bytes` to: the active one, unless it would grow past `segmentBytes`. */
  private activeFor(bytes: number): Segment {
    const current = this.active
    if (current && (current.size === 0 || current.size + bytes <= this.segmentBytes)) return current
    if (current) this.seal(current)
    const n = this.nextSegment++
    const path = this.segmentPath(n)
    let fd: number
    try {
      fd = openSync(path, 'wx', 0o600) // synchronous, but once per segment (8 MiB of records)
    } catch (err) {
      throw ioError('create', path, err)
    }
    const seg = newSegment(n, path, 0, fd, Number.POSITIVE_INFINITY)
    this.segs.push(seg)
    this.active = seg
    return seg
  }

  /** No more records go to `seg`; the group commit syncs what it holds and closes it, then collects and compacts. */
  private seal(seg: Segment): void {
    if (this.active === seg) this.active = null
    seg.sealedAt = this.now()
    this.sealed = true
  }

  /** Registers written records for the next group commit. */
  private awaitSync(chunk: Chunk): void {
    this.queue.push(chunk)
    this.kick()
  }

  /** Starts a drain on the next turn of the event loop, unless one is running (it picks the queue up). */
  private kick(): void {
    if (this.draining || this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.draining = this.drain().finally(() => {
        this.draining = null
        if (this.queue.length > 0) this.kick()
      })
    })
  }

  /** Group commit: one fdatasync for everything written since the last, until nothing waits. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const wait = this.lastCommitAt + this.minSyncIntervalMs - performance.now()
      if (wait >= 1) await new Promise<void>((resolve) => setTimeout(resolve, wait))
      this.lastCommitAt = performance.now()
      const batch = this.queue
      this.queue = []
      const failed = new Map<Segment, Error>()
      for (const seg of this.segs) {
        if (!seg.dirty) continue
        seg.dirty = false
        try {
          // The new file's name must survive a power cut too.
          if (!seg.named) await syncDir(this.key)
          seg.named = true
          await fdatasync(seg.fd!)
          this.syncs++
        } catch (err) {
          failed.set(seg, ioError('write to', seg.path, err))
          this.seal(seg) // its pages may be lost: nothing more goes after them
        }
      }
      for (const seg of this.segs) if (seg !== this.active && !seg.dirty && !seg.writing) await closeSegment(seg)
      const settle: (() => void)[] = []
      for (const chunk of batch) {
        const error = failed.get(chunk.seg)
        if (error) {
          chunk.fail(error)
          continue
        }
        const resolve = chunk.done(chunk.seg)
        if (resolve) settle.push(resolve)
      }
      if (this.sealed) {
        this.sealed = false
        await this.collect()
        this.compact()
      }
      // Resolve once what the batch freed is deleted, so a resolved ack also means its segments are gone.
      await this.collect()
      for (const resolve of settle) resolve()
    }
  }

  /** Deletes every segment that can go (see the top of this file). Returns how many it deleted. */
  private async collect(): Promise<number> {
    let deleted = 0
    /** Deleted in this pass, the directory not fsynced since. */
    const unsynced = new Set<Segment>()
    for (const seg of [...this.segs]) {
      if (seg.fd !== null || seg.live > 0) continue
      let blocked = false
      let afterUnsynced = false
      for (const dep of seg.deps) {
        if (!dep.deleted) blocked = true
        else if (unsynced.has(dep)) afterUnsynced = true
        else seg.deps.delete(dep) // gone for good
      }
      if (blocked) continue
      if (afterUnsynced) {
        await syncDir(this.key)
        unsynced.clear()
      }
      try {
        await unlink(seg.path)
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') continue // try again after the next write
      }
      seg.deleted = true
      seg.deps.clear()
      this.segs.splice(this.segs.indexOf(seg), 1)
      unsynced.add(seg)
      deleted++
    }
    if (unsynced.size > 0) await syncDir(this.key)
    return deleted
  }

  /**
   * Copies the waiting entries of old segments that are mostly acked, or that keep an empty segment on
   * disk, to the active one, so those can be deleted. At most about one segment's worth a call (it runs
   * each time a segment is sealed).
   */
  private compact(): void {
    const now = this.now()
    const pinning = new Set<Segment>()
    for (const seg of this.segs) if (seg.live === 0 && seg.fd === null) for (const dep of seg.deps) if (!dep.deleted) pinning.add(dep)
    const sources = new Set<Segment>()
    let budget = 0
    for (const seg of this.segs) {
      if (seg.fd !== null || seg.live === 0 || now - seg.sealedAt < this.compactAfterMs) continue
      if (seg.liveBytes * 2 > seg.size && !pinning.has(seg)) continue
      sources.add(seg)
      budget += seg.liveBytes
      if (budget >= this.segmentBytes) break
    }
    if (sources.size === 0) return
    const items: Item[] = []
    const lines: Line[] = []
    let bytes = 0
    for (const item of this.index.values()) {
      if (!sources.has(item.seg) || item.busy || item.moving) continue
      const line = encodeEntry(item.at, item.entry)
      item.moving = true
      items.push(item)
      lines.push(line)
      bytes += line.bytes
    }
    if (items.length === 0) return
    const fail = () => {
      for (const item of items) item.moving = false // tried again at the next seal
    }
    const synced = (seg: Segment) => {
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!
        item.moving = false
        if (this.index.get(item.entry.uuid) === item) this.move(item, seg, lines[i]!.bytes)
      }
    }
    this.writeAndSync(lines, synced, fail)
  }

  private writeDeadLetters(items: Item[], reason: string): Promise<void> {
    const at = new Date(this.now()).toISOString()
    let buf: Buffer
    try {
      buf = Buffer.from(items.map((item) => `${JSON.stringify({ at, reason, entry: item.entry })}\n`).join(''))
    } catch {
      return Promise.reject(new TypeError('spool: entry is not JSON-serialisable'))
    }
    const path = join(this.key, DEAD_LETTER_FILE)
    const run = this.deadLetterChain.then(async () => {
      try {
        if (!this.deadLetterFile) {
          this.deadLetterFile = await open(path, 'a', 0o600)
          await syncDir(this.key)
        }
        let off = 0
        while (off < buf.length) {
          const { bytesWritten } = await this.deadLetterFile.write(buf, off, buf.length - off)
          if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'ESHORTWRITE' })
          off += bytesWritten
        }
        await this.deadLetterFile.datasync()
      } catch (err) {
        throw ioError('write to', path, err)
      }
    })
    this.deadLetterChain = run.catch(() => undefined)
    return run
  }

  // ---- helpers ----

  /** An ack (in `ackSeg`) removes the entry; `ackSeg` must now outlive every other record of it. */
  private settle(item: Item, ackSeg: Segment): void {
    this.index.delete(item.entry.uuid)
    item.seg.live--
    item.seg.liveBytes -= item.bytes
    this.liveBytes -= item.bytes
    if (item.seg !== ackSeg) ackSeg.deps.add(item.seg)
    if (item.older) for (const seg of item.older) if (seg !== ackSeg && !seg.deleted) ackSeg.deps.add(seg)
  }

  /** A newer record of the entry (a compaction copy) in `seg` is now its current one. */
  private move(item: Item, seg: Segment, bytes: number): void {
    const from = item.seg
    from.live--
    from.liveBytes -= item.bytes
    if (from !== seg) {
      const older = (item.older ?? []).filter((s) => !s.deleted)
      older.push(from)
      item.older = older
    }
    this.liveBytes += bytes - item.bytes
    item.seg = seg
    item.bytes = bytes
    seg.live++
    seg.liveBytes += bytes
  }

  private async idle(): Promise<void> {
    for (let i = 0; i < 1000 && (this.lastWrite || this.scheduled || this.draining || this.queue.length > 0); i++) {
      // `ended`, not `done`: a stalled write's fd must stay open until the write is over.
      await (this.lastWrite?.ended ?? this.draining ?? new Promise<void>((resolve) => setImmediate(resolve)))
    }
  }

  private segmentPath(n: number): string {
    return join(this.key, `seg-${String(n).padStart(10, '0')}.log`)
  }
}

function newSegment(n: number, path: string, size: number, fd: number | null, sealedAt: number): Segment {
  return { n, path, size, live: 0, liveBytes: 0, fd, dirty: false, writing: false, named: fd === null, sealedAt, deps: new Set(), deleted: false }
}

/** Writes all of `buf` at `position`, a short write continued; `callback` gets the error, if any. */
function writeFully(fd: number, buf: Buffer, position: number, callback: (err: unknown) => void, offset = 0): void {
  writeCallback(fd, buf, offset, buf.length - offset, position + offset, (err, written) => {
    if (err) callback(err)
    else if (written <= 0) callback(Object.assign(new Error('short write'), { code: 'ESHORTWRITE' }))
    else if (offset + written < buf.length) writeFully(fd, buf, position, callback, offset + written)
    else callback(null)
  })
}

const fdatasync = promisify(fdatasyncCallback)
const closeFd = promisify(closeCallback)

async function closeSegment(seg: Segment): Promise<void> {
  if (seg.fd === null) return
  const fd = seg.fd
  seg.fd = null
  await closeFd(fd).catch(() => undefined)
}

/** An I/O error naming the file and the error code only (never a foreign message: it could quote data). */
function ioError(what: string, path: string, err: unknown): Error {
  const code = errorCode(err) ?? (err instanceof Error ? err.name : 'unknown error')
  return new Error(`spool: ${what} ${path} failed (${code})`)
}
