/**
 * Just enough of the zip format to read what `zapier-platform build` writes (stored or deflated entries,
 * symlinks as their target text): the entry names, and extraction into a directory.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import { inflateRawSync } from 'node:zlib'

export interface ZipEntry {
  name: string
  symlink: boolean
  data(): Buffer
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50
const CENTRAL_FILE_HEADER = 0x02014b50

export async function readZip(path: string): Promise<ZipEntry[]> {
  const zip = await readFile(path)
  // The end record sits in the last 22 bytes plus a comment of up to 64 KiB.
  let end = -1
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i
      break
    }
  }
  if (end < 0) throw new Error(`${path}: not a zip file`)
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const entries: ZipEntry[] = []
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new Error(`${path}: bad central directory`)
    const method = zip.readUInt16LE(at + 10)
    const compressedSize = zip.readUInt32LE(at + 20)
    const nameLength = zip.readUInt16LE(at + 28)
    const extraLength = zip.readUInt16LE(at + 30)
    const commentLength = zip.readUInt16LE(at + 32)
    const unixMode = zip.readUInt32LE(at + 38) >>> 16
    const localHeader = zip.readUInt32LE(at + 42)
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength)
    at += 46 + nameLength + extraLength + commentLength
    const data = () => {
      const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28)
      const raw = zip.subarray(start, start + compressedSize)
      if (method === 0) return Buffer.from(raw)
      if (method === 8) return inflateRawSync(raw)
      throw new Error(`${name}: compression method ${method}`)
    }
    entries.push({ name, symlink: (unixMode & 0o170000) === 0o120000, data })
  }
  return entries
}

/** Writes the entries below `dir` (directories implied by names; symlinks as links). */
export async function extractZip(entries: readonly ZipEntry[], dir: string): Promise<void> {
  const root = resolve(dir)
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue
    const target = resolve(root, entry.name)
    if (!target.startsWith(root + sep)) throw new Error(`${entry.name}: outside the archive`)
    await mkdir(dirname(target), { recursive: true })
    if (entry.symlink) await symlink(entry.data().toString('utf8'), target)
    else await writeFile(target, entry.data())
  }
}

