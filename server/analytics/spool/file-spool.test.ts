import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { cp, mkdtemp, open, readdir, readFile, realpath, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { type FileSpool, type FileSpoolOptions, openFileSpool } from './file-spool.ts'
import type { SpoolEntry } from './types.ts'

type WriteCallback = (err: NodeJS.ErrnoException | null, written: number) => void
/** The spool's fdatasync and write, real unless a test replaces them (to slow them down or fail them). */
const fsHooks = vi.hoisted(() => ({
  fdatasync: null as null | ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void),
  /** Called with the real write's arguments, the callback last. */
  write: null as null | ((...args: unknown[]) => void),
  syncs: 0,
}))
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>()
  const fdatasync = (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    fsHooks.syncs++
    ;(fsHooks.fdatasync ?? real.fdatasync)(fd, callback)
  }
  const write = (...args: unknown[]) => (fsHooks.write ?? (real.write as (...a: unknown[]) => void))(...args)
  return { ...real, default: { ...real, fdatasync, write }, fdatasync, write }
})

const SECRET = 'phc_SECRET_project_key_never_in_errors'
const HERE = fileURLToPath(new URL('.', import.meta.url))
const REPO = join(HERE, '..', '..', '..')
const DENO = join(REPO, 'node_modules', '.bin', 'deno')

function entry(n: number, pad = 200): SpoolEntry {
  return {
    uuid: `0190f0e0-0000-7000-8000-${String(n).padStart(12, '0')}`,
    host: 'https://us.i.posthog.com',
    apiKey: SECRET,
    event: '$ai_generation',
    distinctId: `user-${n}`,
    timestamp: new Date(1_700_000_000_000 + n).toISOString(),
    properties: { $ai_model: 'gpt-4o-mini', n, text: 'x'.repeat(pad), unicode: 'héllo ✓ 😀' },
  }
}
const uuids = (entries: SpoolEntry[]) => entries.map((e) => e.uuid)

const dirs: string[] = []
const spools: FileSpool[] = []
const children: ChildProcess[] = []

async function tempDir(): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'spool-test-')))
  dirs.push(dir)
  return dir
}

async function openSpool(dir: string, options: Partial<FileSpoolOptions> = {}): Promise<FileSpool> {
  const spool = await openFileSpool(dir, { maxBytes: 64 * 1024 * 1024, ...options })
  spools.push(spool)
  return spool
}

/** What `kill -9` would leave behind: the files as they are now, minus our lock (the copy is a new dir). */
async function snapshot(dir: string): Promise<string> {
  const copy = await tempDir()
  await cp(dir, copy, { recursive: true, filter: (src) => !src.endsWith('/lock') })
  return copy
}

async function segments(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('seg-')).sort()
}

/** Records in all segment files. */
async function segmentLines(dir: string): Promise<number> {
  let lines = 0
  for (const name of await segments(dir)) lines += (await readFile(join(dir, name), 'utf8')).split('\n').filter(Boolean).length
  return lines
}

/** Holds the spool's next write() until the returned `resume` is called; it then goes to disk as it would have. */
async function stallNextWrite(): Promise<() => void> {
  const real = (await vi.importActual<typeof import('node:fs')>('node:fs')).write as (...a: unknown[]) => void
  let resume!: () => void
  const stalled = new Promise<void>((resolve) => (resume = resolve))
  fsHooks.write = (...args) => {
    fsHooks.write = null
    void stalled.then(() => real(...args))
  }
  return resume
}

afterEach(async () => {
  vi.restoreAllMocks()
  fsHooks.fdatasync = null
  fsHooks.write = null
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const spool of spools.splice(0)) await spool.close().catch(() => undefined)
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

describe('file spool: the Spool contract', () => {
  it('keeps every record intact across consecutive writes of small, growing and oversized groups', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir)
    // Each group is its own write, through the one reused write buffer: a group that is larger than it, and
    // a record larger than its cap (4 MiB), must not spoil the groups before or after them.
    const groups = [[entry(1)], Array.from({ length: 40 }, (_, i) => entry(10 + i, 4_000)), [entry(100, 5 * 1024 * 1024)], [entry(101), entry(102, 70_000)], [entry(103)]]
    for (const group of groups) await spool.append(group)
    await spool.close()
    const reopened = await openSpool(dir)
    expect(reopened.recovery).toMatchObject({ torn: 0, corrupt: 0 })
    expect(reopened.pending(100)).toEqual(groups.flat())
  })

  it('append, pending (order, limit, exclude), stats, ack', async () => {
    let now = 1_000_000
    const spool = await openSpool(await tempDir(), { now: () => now })
    expect(spool.stats()).toEqual({ depth: 0, bytes: 0, oldestAgeSeconds: null })
    const first = [entry(1), entry(2), entry(3)]
    expect(await spool.append(first)).toEqual({ spooled: 3, refused: 0 })
    now += 2_000
    expect(await spool.append([entry(4)])).toEqual({ spooled: 1, refused: 0 })
    expect(await spool.append([])).toEqual({ spooled: 0, refused: 0 })

    expect(uuids(spool.pending(10))).toEqual(uuids([...first, entry(4)]))
    expect(spool.pending(10)[0]).toEqual(entry(1))
    expect(uuids(spool.pending(2))).toEqual(uuids([entry(1), entry(2)]))
    expect(uuids(spool.pending(10, new Set([entry(1).uuid, entry(3).uuid])))).toEqual(uuids([entry(2), entry(4)]))
    expect(spool.pending(0)).toEqual([])

    now += 3_000
    const stats = spool.stats()
    expect(stats.depth).toBe(4)
    expect(stats.oldestAgeSeconds).toBe(5)
    expect(stats.bytes).toBeGreaterThan(4 * JSON.stringify(entry(1)).length)
    expect(stats.bytes).toBe(spool.io().diskBytes) // only entry records on disk so far

    await spool.ack([entry(1).uuid, entry(3).uuid, 'not-a-known-uuid'])
    expect(uuids(spool.pending(10))).toEqual(uuids([entry(2), entry(4)]))
    expect(spool.stats().depth).toBe(2)
    expect(spool.stats().oldestAgeSeconds).toBe(5)
    await spool.ack([entry(2).uuid])
    expect(spool.stats().oldestAgeSeconds).toBe(3)
    await spool.ack([entry(4).uuid])
    expect(spool.stats()).toEqual({ depth: 0, bytes: 0, oldestAgeSeconds: null })
  })

  it('appending a uuid that is already waiting adds nothing', async () => {
    const spool = await openSpool(await tempDir())
    await spool.append([entry(1)])
    const bytes = spool.stats().bytes
    expect(await spool.append([entry(1)])).toEqual({ spooled: 1, refused: 0 })
    expect(spool.stats()).toMatchObject({ depth: 1, bytes })
  })

  it('deadLetter writes {at, reason, entry} lines durably and removes the entries', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir, { now: () => Date.UTC(2025, 0, 2, 3, 4, 5) })
    await spool.append([entry(1), entry(2), entry(3)])
    await spool.deadLetter([entry(1), entry(3), entry(99)], 'PostHog 400: invalid project key')
    expect(uuids(spool.pending(10))).toEqual([entry(2).uuid])

    const lines = (await readFile(join(dir, 'dead-letter.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines).toEqual([
      { at: '2025-01-02T03:04:05.000Z', reason: 'PostHog 400: invalid project key', entry: entry(1) },
      { at: '2025-01-02T03:04:05.000Z', reason: 'PostHog 400: invalid project key', entry: entry(3) },
    ])
    expect((await stat(join(dir, 'dead-letter.jsonl'))).mode & 0o777).toBe(0o600)

    await spool.close()
    const again = await openSpool(dir)
    expect(uuids(again.pending(10))).toEqual([entry(2).uuid])
  })

  it('files are private (0600) and close releases the lock', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir)
    await spool.append([entry(1)])
    const [seg] = await segments(dir)
    expect((await stat(join(dir, seg!))).mode & 0o777).toBe(0o600)
    expect((await readdir(dir)).sort()).toEqual(['lock', seg!])
    await spool.close()
    expect(await readdir(dir)).toEqual([seg])
    await expect(spool.append([entry(2)])).rejects.toThrow('spool: append after close')
  })
})

describe('file spool: writes and group commit', () => {
  it('appends in one task share ONE write and ONE fdatasync; once written() resolves they are in the file (they survive the process), before the fdatasync', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir)
    const syncsBefore = fsHooks.syncs
    const real = (await vi.importActual<typeof import('node:fs')>('node:fs')).fdatasync
    let releaseSync!: () => void
    const syncHeld = new Promise<void>((resolve) => (releaseSync = resolve))
    fsHooks.fdatasync = (fd, callback) => void syncHeld.then(() => real(fd, callback))

    const appending = Array.from({ length: 200 }, (_, i) => spool.append([entry(i)]))
    await spool.written()
    // Written, not yet synced: every record is in the kernel, where kill -9 cannot take it...
    const [segment] = await segments(dir)
    const lines = readFileSync(join(dir, segment!), 'utf8').split('\n').filter(Boolean)
    expect(lines).toHaveLength(200)
    expect(lines.every((line, i) => line.includes(entry(i).uuid))).toBe(true)
    expect(spool.io()).toMatchObject({ writes: 1, syncs: 0 })
    // ...but not yet handed out: pending() gives only what is synced.
    expect(spool.pending(10)).toEqual([])

    releaseSync()
    const results = await Promise.all(appending)
    expect(results.every((r) => r.spooled === 1)).toBe(true)
    expect(fsHooks.syncs - syncsBefore).toBe(1)
    expect(spool.io()).toMatchObject({ writes: 1, syncs: 1 })

    // Acks too: 50 acks in one tick share one fdatasync.
    await Promise.all(Array.from({ length: 50 }, (_, i) => spool.ack([entry(i).uuid])))
    expect(fsHooks.syncs - syncsBefore).toBe(2)
    expect(spool.stats().depth).toBe(150)
  })

  it('appends made while an fdatasync is in flight share the next one', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir, { minSyncIntervalMs: 0 })
    const real = (await vi.importActual<typeof import('node:fs')>('node:fs')).fdatasync
    let started!: () => void
    const inFlight = new Promise<void>((resolve) => (started = resolve))
    fsHooks.fdatasync = (fd, callback) => {
      started()
      setTimeout(() => real(fd, callback), 100)
    }

    const first = spool.append([entry(0)])
    await inFlight
    const later: Promise<unknown>[] = []
    for (let i = 1; i <= 30; i++) {
      later.push(spool.append([entry(i)])) // each in its own turn of the event loop
      await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all([first, ...later])
    expect(spool.io().syncs).toBe(2)
    expect(spool.stats().depth).toBe(31)
  })

  it('a stalled write stops holding written() after writeWaitLimitMs; its entries are still spooled once it completes', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir, { writeWaitLimitMs: 100 })
    const resume = await stallNextWrite()

    const appended = spool.append([entry(1)])
    const started = performance.now()
    await spool.written()
    expect(performance.now() - started).toBeGreaterThanOrEqual(95)
    expect(await segmentLines(dir)).toBe(0) // not written yet: the responses went out anyway
    const behind = spool.append([entry(2)]) // waits behind the stalled write

    resume()
    expect(await appended).toEqual({ spooled: 1, refused: 0 })
    expect(await behind).toEqual({ spooled: 1, refused: 0 })
    expect(await segmentLines(dir)).toBe(2)
    expect(uuids(spool.pending(10))).toEqual(uuids([entry(1), entry(2)]))
  })

  it('close waits for a stalled write to end, however long written() was held', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir, { writeWaitLimitMs: 50 })
    const resume = await stallNextWrite()
    const appended = spool.append([entry(1)])
    await spool.written() // released by the limit, the write still stalled
    let isClosed = false
    const closed = spool.close().then(() => (isClosed = true))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(isClosed).toBe(false) // its segment's fd is still needed by the write
    resume()
    await closed
    expect(await appended).toEqual({ spooled: 1, refused: 0 })
    const reopened = await openSpool(dir)
    expect(uuids(reopened.pending(10))).toEqual(uuids([entry(1)]))
  })

  it('group commits are at least minSyncIntervalMs apart; a write while idle is synced at once', async () => {
    const spool = await openSpool(await tempDir(), { minSyncIntervalMs: 300 })
    const started = performance.now()
    await spool.append([entry(0)]) // idle: no wait
    expect(performance.now() - started).toBeLessThan(250)
    const all: Promise<unknown>[] = []
    for (let i = 1; i <= 20; i++) {
      all.push(spool.append([entry(i)]))
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await Promise.all(all)
    expect(performance.now() - started).toBeGreaterThanOrEqual(299) // the next commit waited for the interval
    expect(spool.io().syncs).toBeLessThanOrEqual(3)
    expect(spool.stats().depth).toBe(21)
  })
})

describe('file spool: recovery', () => {
  it('reopening brings back exactly the waiting entries, oldest first, with their spool time', async () => {
    const dir = await tempDir()
    let now = 5_000_000
    const spool = await openSpool(dir, { now: () => now })
    await spool.append([entry(1), entry(2)])
    now += 10_000
    await spool.append([entry(3), entry(4), entry(5)])
    await spool.ack([entry(2).uuid, entry(4).uuid])
    const before = spool.stats()
    await spool.close()

    const again = await openSpool(dir, { now: () => now + 1_000 })
    expect(uuids(again.pending(10))).toEqual(uuids([entry(1), entry(3), entry(5)]))
    expect(again.pending(10)[2]).toEqual(entry(5))
    expect(again.stats()).toEqual({ depth: 3, bytes: before.bytes, oldestAgeSeconds: 11 })
    expect(again.recovery).toMatchObject({ segments: 1, entries: 3, torn: 0, corrupt: 0 })
    // New records go to a new segment; the old one stays while it holds waiting entries.
    await again.append([entry(6)])
    expect(await segments(dir)).toHaveLength(2)
  })

  it('a torn last line (crash mid-write) is skipped and counted; everything before it is recovered', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir)
    await spool.append([entry(1), entry(2)])
    await spool.append([entry(3)])
    const copy = await snapshot(dir)
    const [seg] = await segments(copy)
    const size = (await stat(join(copy, seg!))).size
    await truncate(join(copy, seg!), size - 100) // entry 3's line, cut in the middle

    const recovered = await openSpool(copy)
    expect(recovered.recovery).toMatchObject({ torn: 1, corrupt: 0, entries: 2 })
    expect(uuids(recovered.pending(10))).toEqual(uuids([entry(1), entry(2)]))
    // Appending after recovery never continues the torn segment, and a second recovery is clean.
    await recovered.append([entry(4)])
    await recovered.close()
    const third = await openSpool(copy)
    expect(uuids(third.pending(10))).toEqual(uuids([entry(1), entry(2), entry(4)]))
    expect(third.recovery.torn).toBe(1)
  })

  it('a damaged line in the middle is skipped and counted; the lines after it are recovered', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir)
    await spool.append([entry(1)])
    await spool.append([entry(2)])
    await spool.append([entry(3)])
    const copy = await snapshot(dir)
    const [seg] = await segments(copy)
    const buf = await readFile(join(copy, seg!))
    const second = buf.indexOf('\n') + 1
    buf[second + 60] = buf[second + 60]! ^ 0x01 // one bit of entry 2's JSON
    await writeFile(join(copy, seg!), buf)

    const recovered = await openSpool(copy)
    expect(recovered.recovery).toMatchObject({ torn: 0, corrupt: 1 })
    expect(uuids(recovered.pending(10))).toEqual(uuids([entry(1), entry(3)]))
  })

  it('an acked entry never comes back, whether the spool was closed or killed', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir)
    await spool.append([entry(1), entry(2), entry(3)])
    await spool.ack([entry(2).uuid])
    await spool.deadLetter([entry(3)], 'bad event')
    const killed = await snapshot(dir) // no close: as kill -9 leaves it
    await spool.close()

    for (const d of [dir, killed]) {
      const again = await openSpool(d)
      expect(uuids(again.pending(10))).toEqual([entry(1).uuid])
      await again.close()
    }
  })
})

describe('file spool: segments', () => {
  it('rotates at segmentBytes and deletes a segment once all its entries are acked', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir, { segmentBytes: 2_000 })
    const all = Array.from({ length: 12 }, (_, i) => entry(i, 600))
    for (const e of all) await spool.append([e]) // ~800 bytes each: 2 a segment
    const written = await segments(dir)
    expect(written).toHaveLength(6)

    await spool.ack(uuids(all.slice(2))) // all but the first segment's
    expect((await segments(dir)).slice(0, 1)).toEqual(written.slice(0, 1))
    expect(await segments(dir)).not.toContain(written[1])
    await spool.ack(uuids(all.slice(0, 2)))
    // Everything acked: only the active segment is left (it holds the last acks).
    expect(await segments(dir)).toHaveLength(1)
    expect(spool.stats().depth).toBe(0)

    await spool.close()
    const again = await openSpool(dir)
    expect(again.recovery).toMatchObject({ segments: 1, segmentsDeleted: 1, entries: 0 })
    expect(await segments(dir)).toEqual([])
  })

  it('a segment holding an ack outlives the older segment holding the record it cancels', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir, { segmentBytes: 2_000 })
    const [a1, a2, b1, b2, c1] = [entry(1, 600), entry(2, 600), entry(3, 600), entry(4, 600), entry(5, 600)]
    await spool.append([a1!, a2!]) // segment 1
    await spool.append([b1!]) // segment 2
    await spool.ack([a2!.uuid]) // in segment 2, cancels a record in segment 1
    await spool.append([b2!])
    await spool.ack([b1!.uuid, b2!.uuid])
    await spool.append([c1!]) // segment 3
    const names = await segments(dir)
    expect(names).toHaveLength(3)
    // Segment 2 has no waiting entry, but deleting it would bring a2 back from segment 1.
    const killed = await snapshot(dir)
    const again = await openSpool(killed)
    expect(uuids(again.pending(10))).toEqual(uuids([a1!, c1!]))
    await again.close()

    await spool.ack([a1!.uuid]) // segment 1 can go, and then segment 2
    expect(await segments(dir)).toEqual([names[2]])
  })

  it('compaction moves a stuck entry out of an old segment, so the segment can go', async () => {
    const dir = await tempDir()
    let now = 1_000
    const spool = await openSpool(dir, { segmentBytes: 2_000, compactAfterMs: 60_000, now: () => now })
    const stuck = entry(0, 600)
    await spool.append([stuck])
    const others = Array.from({ length: 10 }, (_, i) => entry(i + 1, 600))
    for (const e of others) {
      await spool.append([e])
      await spool.ack([e.uuid])
    }
    const before = await segments(dir)
    expect(before[0]).toBe('seg-0000000001.log') // kept by the stuck entry (the others are gone)

    now += 61_000 // old enough: the next seal compacts
    for (let i = 11; i < 15; i++) {
      const e = entry(i, 600)
      await spool.append([e])
      await spool.ack([e.uuid])
    }
    const after = await segments(dir)
    expect(after).not.toContain(before[0])
    expect(after.length).toBeLessThanOrEqual(3) // the copy's segment, one holding acks for its neighbours, the active one
    expect(uuids(spool.pending(10))).toEqual([stuck.uuid])
    expect(spool.stats().oldestAgeSeconds).toBe(now / 1000 - 1)

    // Killed now or closed: the stuck entry is there exactly once, with its first spool time.
    const killed = await snapshot(dir)
    await spool.close()
    for (const d of [dir, killed]) {
      const again = await openSpool(d, { now: () => now })
      expect(uuids(again.pending(10))).toEqual([stuck.uuid])
      expect(again.stats().oldestAgeSeconds).toBe(now / 1000 - 1)
      await again.close()
    }
  })
})

describe('file spool: maxBytes', () => {
  it('refuses entries that would take the waiting bytes over maxBytes, and takes them again once acked', async () => {
    const dir = await tempDir()
    const probe = await openSpool(dir)
    await probe.append([entry(0)])
    const one = probe.stats().bytes
    await probe.close()
    await rm(dir, { recursive: true })

    const spool = await openSpool(await tempDir(), { maxBytes: Math.floor(one * 2.5) })
    expect(await spool.append([entry(1), entry(2), entry(3)])).toEqual({ spooled: 2, refused: 1 })
    // Records still being written count: two appends in one tick cannot both take the last slot.
    await spool.ack([entry(1).uuid])
    const [a, b] = await Promise.all([spool.append([entry(4)]), spool.append([entry(5)])])
    expect([a, b]).toEqual([
      { spooled: 1, refused: 0 },
      { spooled: 0, refused: 1 },
    ])
    expect(spool.stats().bytes).toBeLessThanOrEqual(Math.floor(one * 2.5))
    expect(uuids(spool.pending(10))).toEqual(uuids([entry(2), entry(4)]))
    // Each entry is judged on its own: a big one is refused, a small one after it still fits.
    await spool.ack([entry(2).uuid])
    expect(await spool.append([entry(6, 5_000), entry(7)])).toEqual({ spooled: 1, refused: 1 })
    expect(uuids(spool.pending(10))).toEqual(uuids([entry(4), entry(7)]))
  })
})

describe('file spool: errors carry no secrets', () => {
  it('a failed fdatasync rejects what it held with the file and code only; the spool goes on in a new segment', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir)
    await spool.append([entry(1)])
    fsHooks.fdatasync = (_fd, callback) => {
      fsHooks.fdatasync = null
      callback(Object.assign(new Error(`EIO: i/o error ${SECRET}`), { code: 'EIO' }))
    }

    const failed = await spool.append([entry(2)]).catch((err: Error) => err)
    expect(failed).toBeInstanceOf(Error)
    expect((failed as Error).message).toMatch(/^spool: write to .*seg-0000000001\.log failed \(EIO\)$/)
    expect(String(failed)).not.toContain(SECRET)
    expect(uuids(spool.pending(10))).toEqual([entry(1).uuid])

    await spool.append([entry(3)])
    expect(await segments(dir)).toHaveLength(2)
    await spool.close()
    const again = await openSpool(dir)
    // Entry 2 reached the file before its fdatasync failed: at least once, so it may come back; 1 and 3 must.
    expect(uuids(again.pending(10))).toEqual(expect.arrayContaining(uuids([entry(1), entry(3)])))
  })

  it('a failed write rejects that append at once, without contents; the next one goes to a new segment', async () => {
    const dir = await tempDir()
    const spool = await openSpool(dir)
    await spool.append([entry(1)])
    fsHooks.write = (...args) => {
      fsHooks.write = null
      const callback = args.at(-1) as WriteCallback
      setImmediate(() => callback(Object.assign(new Error(`ENOSPC: no space left on device ${SECRET}`), { code: 'ENOSPC' }), 0))
    }

    const failed = await spool.append([entry(2)]).catch((err: Error) => err)
    expect(String(failed)).toMatch(/^Error: spool: write to .*seg-0000000001\.log failed \(ENOSPC\)$/)
    expect(String(failed)).not.toContain(SECRET)

    await spool.append([entry(3)])
    expect(await segments(dir)).toHaveLength(2)
    expect(uuids(spool.pending(10))).toEqual(uuids([entry(1), entry(3)]))
    await spool.close()
    expect(uuids((await openSpool(dir)).pending(10))).toEqual(uuids([entry(1), entry(3)]))
  })

  it('an entry JSON cannot carry is rejected without its contents', async () => {
    const spool = await openSpool(await tempDir())
    const bad = { ...entry(1), properties: { n: 10n, key: SECRET } } as unknown as SpoolEntry
    const err = await spool.append([entry(2), bad]).catch((e: Error) => e)
    expect(String(err)).toBe('TypeError: spool: entry is not JSON-serialisable')
    expect(spool.stats().depth).toBe(0)
  })
})

describe('file spool: one process per directory', () => {
  it('a second open of the same directory in this process fails clearly', async () => {
    const dir = await tempDir()
    await openSpool(dir)
    await expect(openFileSpool(dir, { maxBytes: 1e6 })).rejects.toThrow(
      `spool: the spool directory ${dir} is already open in this process`,
    )
  })

  it('a directory held by another live process fails with its pid; after kill -9 the lock is taken over', async () => {
    const dir = await tempDir()
    const bundle = await nodeBundle()
    const script = join(await tempDir(), 'hold.mjs')
    await writeFile(
      script,
      `const { openFileSpool } = await import(${JSON.stringify(pathToFileURL(bundle).href)})
       await openFileSpool(process.argv[2], { maxBytes: 1e6 })
       process.stdout.write('ready\\n')
       setTimeout(() => process.exit(0), 30_000)`,
    )
    const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(child)
    await waitForLine(child, (line) => line === 'ready', 15_000)

    await expect(openFileSpool(dir, { maxBytes: 1e6 })).rejects.toThrow(
      `spool: the spool directory ${dir} is in use by process ${child.pid} (lock file ${join(dir, 'lock')})`,
    )
    child.kill('SIGKILL')
    await once(child, 'exit')
    const spool = await openSpool(dir)
    expect(spool.stats().depth).toBe(0)
  })

  it('a stale lock is taken over: dead pid, expired lease, or our own pid whose lease is not renewed', async () => {
    const dead = spawn(process.execPath, ['-e', ''])
    await once(dead, 'exit')
    const cases: { pid: number; ageMs: number }[] = [
      { pid: dead.pid!, ageMs: 0 }, // not alive
      { pid: 1, ageMs: 60_000 }, // alive (pid reused), but nobody renewed the lease for a minute
      { pid: process.pid, ageMs: 0 }, // a previous incarnation with our pid (container restart): wait out the lease
    ]
    for (const { pid, ageMs } of cases) {
      const dir = await tempDir()
      await writeFile(join(dir, 'lock'), `${pid} some-old-token\n`)
      const then = new Date(Date.now() - ageMs)
      await utimes(join(dir, 'lock'), then, then)
      const started = Date.now()
      const spool = await openSpool(dir, { lockStaleMs: 500 })
      expect(Date.now() - started).toBeLessThan(3_000)
      expect(await readFile(join(dir, 'lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} [0-9a-f-]{36}\\n$`))
      await spool.close()
    }
  })
})

// ---- crash tests with real processes ----

let bundlePath: string | undefined
/** file-spool.ts bundled for Node (the child cannot import .ts); Deno imports the .ts itself. */
async function nodeBundle(): Promise<string> {
  if (!bundlePath) {
    const out = await mkdtemp(join(tmpdir(), 'spool-bundle-'))
    bundlePath = join(out, 'file-spool.mjs')
    await build({
      entryPoints: [join(HERE, 'file-spool.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundlePath,
      logLevel: 'silent',
    })
  }
  return bundlePath
}
afterAll(async () => {
  if (bundlePath) await rm(join(bundlePath, '..'), { recursive: true, force: true })
})

/**
 * Appends in a bounded loop (8 concurrent appends a round, small segments so it rotates, deletes and
 * compacts), printing `S <uuid>` once its append is written and `A <uuid>...` once an ack resolved.
 */
const CRASH_CHILD = `
import { writeSync } from 'node:fs'
import process from 'node:process'
const [moduleUrl, dir, maxText] = process.argv.slice(2)
const { openFileSpool } = await import(moduleUrl)
const spool = await openFileSpool(dir, { maxBytes: 1 << 30, segmentBytes: 32 * 1024, compactAfterMs: 0, minSyncIntervalMs: 1 })
const max = Number(maxText), deadline = Date.now() + 20000
const pad = 'p'.repeat(3000)
let n = 0
while (n < max && Date.now() < deadline) {
  const batch = Array.from({ length: 8 }, () => {
    const i = n++
    return { uuid: '0190f0e0-0000-7000-9000-' + String(i).padStart(12, '0'), host: 'https://us.i.posthog.com',
      apiKey: 'phc_child', event: '$ai_generation', distinctId: 'u' + i, timestamp: new Date().toISOString(),
      properties: { i, pad } }
  })
  // Printed once written() resolved, before the fdatasync: a process crash must not lose it even so.
  const appended = batch.map((e) => spool.append([e]))
  await spool.written()
  for (const e of batch) writeSync(1, 'S ' + e.uuid + '\\n')
  await Promise.all(appended)
  // Ack 6 of every 8 (2 stay waiting, spread over all segments, so compaction moves them).
  const acked = batch.slice(0, 6).map((e) => e.uuid)
  writeSync(1, 'P ' + acked.join(' ') + '\\n') // acking: these may or may not survive a kill
  await spool.ack(acked)
  writeSync(1, 'A ' + acked.join(' ') + '\\n')
}
await spool.close()
writeSync(1, 'closed\\n')
`

async function crashRun(runtime: 'node' | 'deno', kill: boolean): Promise<void> {
  const work = await tempDir()
  const dir = join(work, 'spool')
  const script = join(work, 'child.mjs')
  await writeFile(script, CRASH_CHILD)
  const max = kill ? 100_000 : 200
  const moduleUrl = runtime === 'node' ? pathToFileURL(await nodeBundle()).href : pathToFileURL(join(HERE, 'file-spool.ts')).href
  const [command, args] =
    runtime === 'node'
      ? [process.execPath, [script, moduleUrl, dir, String(max)]]
      : [DENO, ['run', '--allow-read', '--allow-write', script, moduleUrl, dir, String(max)]]
  const child = spawn(command, args, {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
  })
  children.push(child)
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const lines: string[] = []
  let buffered = ''
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop()!
    lines.push(...parts)
  })
  const exited = once(child, 'exit')

  if (kill) {
    // Kill it mid-way, once it has rotated (and so deleted and compacted) a few times.
    const deadline = Date.now() + 45_000
    while (lines.filter((l) => l.startsWith('S ')).length < 1_200 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    child.kill('SIGKILL')
  }
  const [code, signal] = await exited
  if (kill) expect(signal, stderr).toBe('SIGKILL')
  else expect([code, lines.at(-1)], stderr).toEqual([0, 'closed'])

  const spooled = new Set<string>()
  const acking = new Set<string>()
  const acked = new Set<string>()
  for (const line of lines) {
    if (line.startsWith('S ')) spooled.add(line.slice(2))
    if (line.startsWith('P ')) for (const u of line.slice(2).split(' ')) acking.add(u)
    if (line.startsWith('A ')) for (const u of line.slice(2).split(' ')) acked.add(u)
  }
  expect(spooled.size).toBeGreaterThan(kill ? 1_000 : 199)

  const spool = await openSpool(dir)
  const waiting = new Set(uuids(spool.pending(1_000_000)))
  const lost = [...spooled].filter((u) => !acking.has(u) && !waiting.has(u))
  const resurrected = [...acked].filter((u) => waiting.has(u))
  expect(lost).toEqual([])
  expect(resurrected).toEqual([])
  // Deletion and compaction kept the log small: about the waiting entries, not everything ever written.
  const onDisk = (await segments(dir)).length
  expect(onDisk).toBeLessThan(Math.ceil((spooled.size * 3_300) / (32 * 1024)) / 2)
}

describe('file spool: kill -9 loses nothing (real child processes)', () => {
  it('Node: every entry whose append was written is there after SIGKILL; no acked one is', async () => {
    await crashRun('node', true)
  }, 90_000)

  it('Deno: the same, with the child running file-spool.ts under Deno', async () => {
    await crashRun('deno', true)
  }, 120_000)

  it('Node and Deno: a child that closes exits on its own (the lock lease timer does not hold it)', async () => {
    await crashRun('node', false)
    await crashRun('deno', false)
  }, 120_000)
})

async function waitForLine(child: ChildProcess, match: (line: string) => boolean, timeoutMs: number): Promise<void> {
  let buffered = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not get ready in time')), timeoutMs)
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString()
      if (buffered.split('\n').some(match)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('exit', () => reject(new Error('child exited before it was ready')))
  })
}
