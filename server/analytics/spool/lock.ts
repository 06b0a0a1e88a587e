/**
 * One process per spool directory. The `lock` file holds `<pid> <random token>`; it is created atomically
 * with its content (written to a private temp file, then hard-linked to `lock`, which fails if it exists),
 * and the holder touches its mtime every `staleMs / 4` (a lease).
 *
 * A lock found on open is stale, and taken over, when:
 *   - its lease ran out (mtime older than `staleMs`): the holder would have renewed it; or
 *   - its pid is not alive (`process.kill(pid, 0)` says ESRCH), checked where the runtime allows it.
 * When liveness cannot be checked (Deno without --allow-run) or the pid is this process's own (a container
 * restarted after `kill -9` often gets the same pid), open waits up to `staleMs` to see whether the lease
 * is renewed. Otherwise open fails with an error naming the directory, the pid and the lock file.
 *
 * Taking over renames the stale lock aside first (atomic) and checks it is the one judged stale, so two
 * processes taking over at once cannot both win.
 */
import { randomUUID } from 'node:crypto'
import { link, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import process from 'node:process'
import { clearInterval, setInterval, setTimeout } from 'node:timers'

export interface DirLock {
  /** Stops the lease and removes the lock file if it is still ours. */
  release(): Promise<void>
}

export async function acquireDirLock(dir: string, staleMs: number): Promise<DirLock> {
  const lockPath = join(dir, 'lock')
  const token = randomUUID()
  const content = `${process.pid} ${token}\n`
  const tmp = join(dir, `lock.${token}.tmp`)
  await writeFile(tmp, content, { mode: 0o600, flag: 'wx' })
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(tmp, lockPath)
        return holdLock(lockPath, content, staleMs)
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw err
      }
      const holder = await readHolder(lockPath)
      if (!holder) continue // released meanwhile: try again
      const verdict = await judge(lockPath, holder, staleMs)
      if (verdict === 'changed') continue
      if (verdict === 'alive') throw inUse(dir, lockPath, holder.pid)
      const aside = join(dir, `lock.stale.${token}`)
      try {
        await rename(lockPath, aside)
      } catch (err) {
        if (errorCode(err) === 'ENOENT') continue
        throw err
      }
      const moved = await readFile(aside, 'utf8').catch(() => '')
      if (moved !== holder.content) {
        // Another process took the stale lock over between our read and our rename: give its lock back.
        await link(aside, lockPath).catch(() => undefined)
        await unlink(aside).catch(() => undefined)
        throw inUse(dir, lockPath, parsePid(moved))
      }
      await unlink(aside).catch(() => undefined)
    }
    throw new Error(`spool: could not lock the spool directory ${dir} (${lockPath} keeps changing)`)
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
}

function holdLock(lockPath: string, content: string, staleMs: number): DirLock {
  const timer = setInterval(() => {
    const now = new Date()
    utimes(lockPath, now, now).catch(() => undefined)
  }, Math.max(10, Math.floor(staleMs / 4)))
  timer.unref()
  return {
    async release() {
      clearInterval(timer)
      const current = await readFile(lockPath, 'utf8').catch(() => null)
      if (current === content) await unlink(lockPath).catch(() => undefined)
    },
  }
}

interface Holder {
  content: string
  pid: number | null
  mtimeMs: number
}

async function readHolder(lockPath: string): Promise<Holder | null> {
  try {
    const [content, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)])
    return { content, pid: parsePid(content), mtimeMs: info.mtimeMs }
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return null
    throw err
  }
}

async function judge(lockPath: string, holder: Holder, staleMs: number): Promise<'stale' | 'alive' | 'changed'> {
  if (Date.now() - holder.mtimeMs > staleMs) return 'stale'
  const alive = holder.pid === process.pid ? 'unknown' : pidAlive(holder.pid)
  if (alive !== 'unknown') return alive ? 'alive' : 'stale'
  // Watch the lease: a live holder renews it every staleMs / 4.
  const deadline = holder.mtimeMs + staleMs + 50
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, Math.max(1, deadline - Date.now()))))
    const now = await readHolder(lockPath)
    if (!now || now.content !== holder.content) return 'changed' // released or taken: look again
    if (now.mtimeMs !== holder.mtimeMs) return 'alive'
  }
  return 'stale'
}

function pidAlive(pid: number | null): boolean | 'unknown' {
  if (pid === null) return 'unknown'
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    const code = errorCode(err)
    if (code === 'ESRCH') return false
    if (code === 'EPERM') return true
    return 'unknown' // e.g. Deno without --allow-run
  }
}

function parsePid(content: string): number | null {
  const pid = Number(content.split(' ')[0])
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null
}

function inUse(dir: string, lockPath: string, pid: number | null): Error {
  return new Error(
    `spool: the spool directory ${dir} is in use by ${pid === null ? 'another process' : `process ${pid}`} ` +
      `(lock file ${lockPath}); stop that process or give this one another analytics.spoolDir`,
  )
}

export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined
}
