/**
 * The spool's record format: one record a line, `<crc32 of the JSON, 8 hex digits> <JSON>\n`.
 *
 *   entry: {"k":"e","at":<ms since epoch when spooled>,"e":<SpoolEntry>}
 *   ack:   {"k":"a","u":["<uuid>", ...]}          (delivered or dead-lettered: the uuids leave the spool)
 *
 * JSON.stringify never emits a raw newline, so `\n` frames records. The checksum covers the JSON bytes, so a
 * line torn by a crash (or any damaged line) is detected, skipped and counted; the lines after it still parse.
 */
import { Buffer } from 'node:buffer'
import { crc32 } from 'node:zlib'
import { rememberedPropertiesJson } from '../../../shared/event/properties-json.ts'
import type { SpoolEntry } from './types.ts'

const NEWLINE = 0x0a
const SPACE = 0x20
/** 8 hex digits + one space. */
const PREFIX = 9
const PROPERTIES_KEY = ',"properties":'

export type SpoolRecord = { k: 'e'; at: number; e: SpoolEntry } | { k: 'a'; u: string[] }

/**
 * One record, ready to append: kept as its JSON string (no buffer per record: the batch is encoded once, by
 * `writeLines`, which checksums the encoded bytes where they lie), with the size of its framed line in bytes.
 */
export interface Line {
  json: string
  bytes: number
}

/**
 * An entry's record, as `encodeRecord` would give it. The properties' JSON is the one the event's size check
 * made, when it made one (shared/event/properties-json.ts): the rest of the entry is a few short strings, so
 * that is most of the encoding saved.
 */
export function encodeEntry(at: number, entry: SpoolEntry): Line {
  const properties = rememberedPropertiesJson(entry.properties)
  if (properties === undefined) return encodeRecord({ k: 'e', at, e: entry })
  const { uuid, host, apiKey, event, distinctId, timestamp } = entry
  // Without the closing braces of `e` and of the record: the properties go before them.
  const head = JSON.stringify({ k: 'e', at, e: { uuid, host, apiKey, event, distinctId, timestamp } }).slice(0, -2)
  // Counted part by part, so that the long properties text is not scanned again as one joined string.
  return framed(`${head}${PROPERTIES_KEY}${properties}}}`, Buffer.byteLength(head) + PROPERTIES_KEY.length + Buffer.byteLength(properties) + 2)
}

/** Throws a content-free error for what JSON cannot carry. */
export function encodeRecord(record: SpoolRecord): Line {
  let json: string | undefined
  try {
    json = JSON.stringify(record)
  } catch {
    // The JSON error can quote property names; the caller's message says what happened without contents.
    json = undefined
  }
  if (json === undefined) throw new TypeError('spool: entry is not JSON-serialisable')
  return framed(json, Buffer.byteLength(json))
}

/** A record's JSON with the size of its framed line: checksum and space, the JSON's UTF-8 bytes, newline. */
function framed(json: string, jsonBytes: number): Line {
  return { json, bytes: PREFIX + jsonBytes + 1 }
}

/** Writes the framed lines into `buf` from `offset`; returns the offset after them. */
export function writeLines(lines: readonly Line[], buf: Buffer, offset: number): number {
  let off = offset
  for (const line of lines) {
    const json = off + PREFIX
    const end = json + buf.write(line.json, json, 'utf8')
    // JSON.stringify escapes lone surrogates, so these bytes are exactly what a reader checks.
    buf.write((crc32(buf.subarray(json, end)) >>> 0).toString(16).padStart(8, '0'), off, 'latin1')
    buf[json - 1] = SPACE
    buf[end] = NEWLINE
    off = end + 1
  }
  return off
}

/** The lines as one buffer. */
export function linesToBuffer(lines: readonly Line[]): Buffer {
  let size = 0
  for (const line of lines) size += line.bytes
  const buf = Buffer.allocUnsafe(size)
  writeLines(lines, buf, 0)
  return buf
}

export interface DecodedSegment {
  /** Valid records in file order, each with the bytes its line takes. */
  records: { record: SpoolRecord; bytes: number }[]
  /** A last line without its newline: a write cut short by a crash. */
  torn: number
  /** Complete lines whose checksum, JSON or shape is wrong. */
  corrupt: number
}

/** Parses a whole segment file. Never throws on bad content: bad lines are counted and skipped. */
export function decodeSegment(buf: Buffer): DecodedSegment {
  const out: DecodedSegment = { records: [], torn: 0, corrupt: 0 }
  let pos = 0
  while (pos < buf.length) {
    const end = buf.indexOf(NEWLINE, pos)
    if (end === -1) {
      out.torn++
      break
    }
    const record = decodeLine(buf, pos, end)
    if (record) out.records.push({ record, bytes: end + 1 - pos })
    else out.corrupt++
    pos = end + 1
  }
  return out
}

function decodeLine(buf: Buffer, start: number, end: number): SpoolRecord | null {
  if (end - start < PREFIX + 2 || buf[start + PREFIX - 1] !== SPACE) return null
  const crcText = buf.toString('latin1', start, start + PREFIX - 1)
  if (!/^[0-9a-f]{8}$/.test(crcText)) return null
  const body = buf.subarray(start + PREFIX, end)
  if (Number.parseInt(crcText, 16) !== crc32(body) >>> 0) return null
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    return null
  }
  return isRecord(value) ? value : null
}

function isRecord(value: unknown): value is SpoolRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  if (r.k === 'a') return Array.isArray(r.u) && r.u.every((u) => typeof u === 'string')
  if (r.k !== 'e' || typeof r.at !== 'number' || typeof r.e !== 'object' || r.e === null) return false
  return typeof (r.e as Record<string, unknown>).uuid === 'string'
}
