/**
 * Keeps an event under PostHog's size limit (1 MB per event) by shortening its content, never by
 * dropping the event. Order: cut the longest strings, then drop the oldest input messages, then, as a
 * last resort, replace a whole content property by a marker.
 */
import { rememberPropertiesJson } from './properties-json.ts'

/** Cap on the UTF-8 JSON size of an event's properties; leaves room for posthog-node's envelope. */
export const MAX_EVENT_BYTES = 900_000

/** Properties whose content may be shortened; everything else is left exactly as it is. */
const CONTENT_KEYS = ['$ai_input', '$ai_output_choices', '$ai_tools', '$ai_error'] as const
type ContentKey = (typeof CONTENT_KEYS)[number]

/** Strings are not cut below this; past it, dropping old messages keeps more useful context. */
const MIN_KEPT_BYTES = 1_000

export function truncationMarker(removedChars: number): string {
  return `… [truncated by openstack: ${removedChars} chars removed]`
}

export function removedMessagesMarker(count: number): { role: 'system'; content: string } {
  return { role: 'system', content: `[${count} messages removed by openstack: event size limit]` }
}

/**
 * Returns `properties` itself when its JSON is at most `maxBytes` UTF-8 bytes (and remembers that JSON:
 * properties-json.ts), else a shortened copy (the input is not mutated). Best effort only if the
 * non-content properties alone exceed the cap.
 */
export function capEventSize(
  properties: Record<string, unknown>,
  maxBytes: number = MAX_EVENT_BYTES,
): Record<string, unknown> {
  const json = JSON.stringify(properties) ?? ''
  // A UTF-16 unit is 1 to 3 UTF-8 bytes, so most events are decided without counting.
  if (json.length * 3 <= maxBytes || (json.length <= maxBytes && utf8Length(json) <= maxBytes)) {
    rememberPropertiesJson(properties, json)
    return properties
  }

  const out: Record<string, unknown> = { ...properties }
  for (const key of CONTENT_KEYS) {
    if (out[key] !== undefined) out[key] = structuredClone(out[key])
  }

  truncateLongestStrings(out, jsonBytes(out) - maxBytes)
  let excess = jsonBytes(out) - maxBytes
  if (excess <= 0) return out

  dropOldestMessages(out, excess)
  excess = jsonBytes(out) - maxBytes
  // Last resort (a huge last message, thousands of tools or choices): largest content property first.
  const replaced = new Set<string>()
  while (excess > 0 && replaceLargestContent(out, replaced)) excess = jsonBytes(out) - maxBytes
  return out
}

/** Exact UTF-8 byte length of `value` serialised as JSON. */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value) ?? ''
  return utf8Length(json)
}

/** UTF-8 length without allocating an encoded copy. Input is JSON text, so surrogates are paired. */
export function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/** Bytes one UTF-16 unit (or pair, counted on its first unit) takes inside a JSON string literal. */
function jsonCharBytes(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c === 0x22 || c === 0x5c) return 2
  if (c < 0x20) return c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6
  if (c < 0x80) return 1
  if (c < 0x800) return 2
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1)
    return next >= 0xdc00 && next <= 0xdfff ? 4 : 6
  }
  if (c >= 0xdc00 && c <= 0xdfff) return 6 // lone low surrogate, escaped by JSON.stringify
  return 3
}

function jsonStringBytes(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const b = jsonCharBytes(text, i)
    bytes += b
    if (b === 4) i++
  }
  return bytes
}

interface StringSlot {
  parent: Record<string, unknown> | unknown[]
  key: string | number
  text: string
  bytes: number
}

function collectStrings(value: unknown, parent: StringSlot['parent'], key: string | number, into: StringSlot[]): void {
  if (typeof value === 'string') {
    const bytes = jsonStringBytes(value)
    if (bytes > MIN_KEPT_BYTES) into.push({ parent, key, text: value, bytes })
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collectStrings(item, value, i, into))
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>
    for (const k of Object.keys(obj)) collectStrings(obj[k], obj, k, into)
  }
}

/**
 * Cuts the longest content strings down to one common length ("water level"), chosen so that about
 * `excess` bytes go, never below MIN_KEPT_BYTES. Each cut string ends with a visible marker.
 */
function truncateLongestStrings(out: Record<string, unknown>, excess: number): void {
  const slots: StringSlot[] = []
  for (const key of CONTENT_KEYS) collectStrings(out[key], out, key, slots)
  if (slots.length === 0) return
  slots.sort((a, b) => b.bytes - a.bytes)

  let level = MIN_KEPT_BYTES
  let sum = 0
  for (let k = 1; k <= slots.length; k++) {
    sum += slots[k - 1]!.bytes
    const next = k < slots.length ? slots[k]!.bytes : MIN_KEPT_BYTES
    const candidate = Math.floor((sum - excess) / k)
    if (candidate >= next) {
      level = candidate
      break
    }
  }

  for (const slot of slots) {
    if (slot.bytes <= level) break
    const cut = cutString(slot.text, level)
    if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = cut
    else slot.parent[slot.key as string] = cut
  }
}

/** Prefix of `text` plus marker, together at most `maxBytes` bytes as JSON string content. */
function cutString(text: string, maxBytes: number): string {
  const budget = maxBytes - jsonStringBytes(truncationMarker(text.length))
  let bytes = 0
  let end = 0
  while (end < text.length) {
    const b = jsonCharBytes(text, end)
    if (bytes + b > budget) break
    bytes += b
    end += b === 4 ? 2 : 1
  }
  return text.slice(0, end) + truncationMarker(text.length - end)
}

/** Replaces the oldest input messages (keeping a leading system message and the last one) by a marker. */
function dropOldestMessages(out: Record<string, unknown>, excess: number): void {
  const input = out.$ai_input
  if (!Array.isArray(input)) return
  const first = input[0] as { role?: unknown } | null | undefined
  const start = first && typeof first === 'object' && (first.role === 'system' || first.role === 'developer') ? 1 : 0
  const end = input.length - 1 // the last message is always kept
  if (end - start < 1) return

  // Room for the marker itself; the digit count of the input length bounds that of N.
  const needed = excess + jsonBytes(removedMessagesMarker(input.length)) + 1
  let saved = 0
  let count = 0
  while (start + count < end && saved < needed) {
    saved += jsonBytes(input[start + count]) + 1 // + the comma
    count++
  }
  input.splice(start, count, removedMessagesMarker(count))
}

function replaceLargestContent(out: Record<string, unknown>, replaced: Set<string>): boolean {
  let largest: ContentKey | null = null
  let largestBytes = 0
  for (const key of CONTENT_KEYS) {
    const value = out[key]
    if (value === undefined || value === null || replaced.has(key)) continue
    const bytes = jsonBytes(value)
    if (bytes > largestBytes) {
      largest = key
      largestBytes = bytes
    }
  }
  if (largest === null) return false
  out[largest] = markerFor(largest, out[largest])
  replaced.add(largest)
  return true
}

const MARKER_TEXT = 'removed by openstack: event size limit'
const REMOVED_MESSAGES_RE = /^\[(\d+) messages removed by openstack: event size limit\]$/

function markerFor(key: ContentKey, value: unknown): unknown {
  const items = Array.isArray(value) ? value : [value]
  switch (key) {
    case '$ai_input':
      return [removedMessagesMarker(items.reduce((n: number, m) => n + messagesIn(m), 0))]
    case '$ai_output_choices':
      return [{ role: 'assistant', content: [{ type: 'text', text: `[output ${MARKER_TEXT}]` }] }]
    case '$ai_tools':
      return [`[${items.length} tools ${MARKER_TEXT}]`]
    case '$ai_error':
      return `[error ${MARKER_TEXT}]`
  }
}

/** 1 for a message, N for an earlier "N messages removed" marker. */
function messagesIn(message: unknown): number {
  const content = (message as { content?: unknown } | null)?.content
  const match = typeof content === 'string' ? REMOVED_MESSAGES_RE.exec(content) : null
  return match ? Number(match[1]) : 1
}
