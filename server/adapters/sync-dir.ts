import { open } from 'node:fs/promises'

/**
 * Makes a directory's entries (a created, renamed or deleted file) durable: fsync of the directory itself.
 * Best effort: some file systems refuse to fsync a directory, and then there is nothing more to do.
 */
export async function syncDir(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // nothing more to do
  }
}
