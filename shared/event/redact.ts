/**
 * Base64 redaction for `$ai_input` / `$ai_output_choices` / `$ai_tools`, following the rules of
 * `@posthog/ai` (packages/ai/src/sanitization): images and files sent inline would otherwise make
 * events huge and unreadable in PostHog.
 */
import type { Json, JsonObject } from '../types.ts'

// A data URL may carry parameters before `;base64,` (`data:application/pdf;name=a.pdf;base64,…`).
const DATA_URL_RE = /^data:([^;,\s]+)(?:;[^;,\s]+)*;base64,/i
const BASE64_RE = /^[A-Za-z0-9+/_=-]+$/
// In a binary context, MIME-style base64 wrapped at 76 columns is still base64.
const BASE64_WRAPPED_RE = /^[A-Za-z0-9+/_=\r\n-]+$/
/**
 * A media type as RFC 6838 names them (`image/png`, `application/vnd.ms-excel`). Only such a name is
 * copied into a placeholder: a mime field or data URL holding anything else must not carry text out.
 */
const MEDIA_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$/

const STRONG_MIN_LENGTH = 64
const WEAK_MIN_LENGTH = 1024

/** Keys whose string value is usually binary data (camelCase variants as in @posthog/ai). */
const STRONG_KEYS = new Set([
  'data', 'file_data', 'fileData', 'image_url', 'imageUrl', 'video_url', 'videoUrl', 'audio',
  'audio_data', 'audioData', 'inline_data', 'inlineData', 'source', 'result',
])
/** A parent object with one of these `type`s makes every string in it a binary candidate. */
const STRONG_TYPES = new Set([
  'image', 'image_url', 'input_image', 'audio', 'input_audio', 'video', 'video_url', 'file',
  'input_file', 'document', 'media', 'file-data',
])
const FILE_TYPES = new Set(['file', 'input_file', 'document', 'media', 'file-data'])
/** Sibling keys naming the media type, in the order @posthog/ai reads them. */
const MIME_KEYS = ['mediaType', 'media_type', 'mimeType', 'mime_type']
const AUDIO_FORMATS = new Set(['wav', 'mp3', 'ogg', 'flac', 'm4a', 'aac', 'webm'])

/** The placeholder when nothing says what the data is. */
export const BASE64_PLACEHOLDER = '[base64 redacted]'
const FILE_PLACEHOLDER = '[base64 file redacted]'

/**
 * Deep copy of `value` with base64 payloads replaced by placeholders that name the media type when it
 * is known, as @posthog/ai's do: `[base64 image/png redacted]`. The input is not mutated; strings that
 * need no redaction are returned as the same (immutable) values.
 */
export function redactBase64<T extends Json>(value: T): T {
  // Cast: walk keeps the shape; only string leaves change, and they stay strings.
  return walk(value, false, null, null) as T
}

/**
 * `parent` and `key` say where a string sits (the object holding it and its key there), which is
 * what names its media type; array items inherit the place of the array.
 */
function walk(value: Json, strong: boolean, parent: JsonObject | null, key: string | null): Json {
  if (typeof value === 'string') return redactString(value, strong, parent, key)
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((item) => walk(item, strong, parent, key))

  const parentStrong = signalsBinary(value)
  const out: JsonObject = {}
  for (const k of Object.keys(value)) {
    const copy = walk(value[k] as Json, parentStrong || STRONG_KEYS.has(k), value, k)
    // A plain assignment to "__proto__" would set the prototype instead of copying the key.
    if (k === '__proto__') {
      Object.defineProperty(out, k, { value: copy, enumerable: true, writable: true, configurable: true })
    } else {
      out[k] = copy
    }
  }
  return out
}

function signalsBinary(obj: JsonObject): boolean {
  const type = obj.type
  if (typeof type === 'string' && STRONG_TYPES.has(type)) return true
  for (const key of MIME_KEYS) if (typeof obj[key] === 'string') return true
  const format = obj.format
  return typeof format === 'string' && AUDIO_FORMATS.has(format.toLowerCase())
}

function redactString(value: string, strong: boolean, parent: JsonObject | null, key: string | null): string {
  // Cheap exits first: most strings are short or start with something other than "data:".
  const first = value.charCodeAt(0)
  if (first === 100 || first === 68) {
    const match = DATA_URL_RE.exec(value)
    if (match) return placeholder(validMediaType(match[1]))
  }
  if (value.length < STRONG_MIN_LENGTH) return value
  if ((strong && BASE64_WRAPPED_RE.test(value)) || (value.length >= WEAK_MIN_LENGTH && BASE64_RE.test(value))) {
    return placeholder(mediaTypeAt(parent, key))
  }
  return value
}

function validMediaType(value: unknown): string | null {
  return typeof value === 'string' && MEDIA_TYPE_RE.test(value) ? value : null
}

/**
 * What the data at `parent[key]` is, as @posthog/ai infers it: a sibling mime/media type field, else
 * an audio `format` (`wav` → `audio/wav`), else the family of the block's `type`, else of the key.
 */
function mediaTypeAt(parent: JsonObject | null, key: string | null): string | null {
  if (parent) {
    for (const hint of MIME_KEYS) {
      const mediaType = validMediaType(parent[hint])
      if (mediaType) return mediaType
    }
    const format = parent.format
    if (typeof format === 'string' && AUDIO_FORMATS.has(format.toLowerCase())) return `audio/${format.toLowerCase()}`
    const type = parent.type
    if (type === 'image' || type === 'image_url' || type === 'input_image') return 'image'
    if (type === 'audio' || type === 'input_audio') return 'audio'
    if (type === 'video' || type === 'video_url') return 'video'
    if (typeof type === 'string' && FILE_TYPES.has(type)) return 'application/octet-stream'
  }
  if (key) {
    const name = key.toLowerCase()
    if (name.includes('audio')) return 'audio'
    if (name.includes('video')) return 'video'
    if (name.includes('image')) return 'image'
    if (name.includes('file') || name.includes('document')) return 'application/octet-stream'
  }
  return null
}

function placeholder(mediaType: string | null): string {
  if (mediaType === null) return BASE64_PLACEHOLDER
  if (mediaType === 'application/octet-stream') return FILE_PLACEHOLDER
  return `[base64 ${mediaType} redacted]`
}
