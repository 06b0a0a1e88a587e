/**
 * The config file on the local disk, with `node:fs` only (like the spool), so both entry files use it:
 * Node natively, Deno through its Node compatibility.
 */
import { randomBytes } from 'node:crypto'
import { type FSWatcher, watch } from 'node:fs'
import { open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { ConfigFile } from '../config/file.ts'
import { syncDir } from './sync-dir.ts'

const WATCH_SETTLE_MS = 100

export function diskConfigFile(path: string): ConfigFile {
  const dir = dirname(path)
  const name = basename(path)
  return {
    path,
    read: () => readFile(path, 'utf8'),
    async write(text) {
      // Same mode as the file it replaces (it may hold keys: 0600 when it is new).
      const mode = await stat(path).then((s) => s.mode & 0o777, () => 0o600)
      const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`)
      const handle = await open(temp, 'wx', mode)
      try {
        await handle.writeFile(text, 'utf8')
        await handle.sync()
      } catch (error) {
        await handle.close().catch(() => {})
        await unlink(temp).catch(() => {})
        throw error
      }
      await handle.close()
      try {
        await rename(temp, path)
      } catch (error) {
        await unlink(temp).catch(() => {})
        throw error
      }
      // The rename itself is durable once the directory is synced.
      await syncDir(dir)
    },
    watch(onChange) {
      // The directory, not the file: an atomic save replaces the file, which ends a watch on the file itself.
      let watcher: FSWatcher | null = null
      let timer: ReturnType<typeof setTimeout> | undefined
      try {
        watcher = watch(dir, { persistent: false }, (_event, changed) => {
          if (changed !== null && String(changed) !== name) return
          // An editor's save is several events (truncate, write): read once it has settled.
          clearTimeout(timer)
          timer = setTimeout(onChange, WATCH_SETTLE_MS)
        })
        watcher.on('error', () => {})
      } catch {
        // No watching here (some filesystems): saves still apply in the process that made them.
      }
      return () => {
        clearTimeout(timer)
        watcher?.close()
      }
    },
  }
}
