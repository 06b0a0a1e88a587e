/**
 * Base64 redaction for `$ai_input` / `$ai_output_choices` / `$ai_tools`, following the rules of
 * `@posthog/ai` (packages/ai/src/sanitization): images and files sent inline would otherwise make
 * events huge and unreadable in PostHog.
 */
import type { Json, JsonObject } from '../types.ts'

const DATA_URL_RE = /^data:([^;,\s]+);base64,/i
const BASE64_RE = /^[A-Za-z0-9+/_=-]+$/
// In a binary context, MIME-style base64 wrapped at 76 columns is still base64.
const BASE64_WRAPPED_RE = /^[A-Za-z0-9+/_=\r\n-]+$/

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
const MIME_KEYS = ['mime_type', 'media_type', 'mimeType', 'mediaType']
const AUDIO_FORMATS = new Set(['wav', 'mp3', 'ogg', 'flac', 'm4a', 'aac', 'webm'])

export const BASE64_PLACEHOLDER = '[base64 redacted]'

/**
 * Deep copy of `value` with base64 payloads replaced by placeholders. The input is not mutated;
 * strings that need no redaction are returned as the same (immutable) values.
 */
export function redactBase64<T extends Json>(value: T): T {
  // Cast: walk keeps the shape; only string leaves change, and they stay strings.
  return walk(value, false) as T
}

function walk(value: Json, strong: boolean): Json {
  if (typeof value === 'string') return redactString(value, strong)
  if (value === null || typeof value !== 'object') return value
  // Array items inherit the context of the key that holds the array.
  if (Array.isArray(value)) return value.map((item) => walk(item, strong))

  const parentStrong = signalsBinary(value)
  const out: JsonObject = {}
  for (const key of Object.keys(value)) {
    const copy = walk(value[key] as Json, parentStrong || STRONG_KEYS.has(key))
    // A plain assignment to "__proto__" would set the prototype instead of copying the key.
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true })
    } else {
      out[key] = copy
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

function redactString(value: string, strong: boolean): string {
  // Cheap exits first: most strings are short or start with something other than "data:".
  const first = value.charCodeAt(0)
  if (first === 100 || first === 68) {
    const match = DATA_URL_RE.exec(value)
    if (match) return `[base64 ${match[1]} redacted]`
  }
  if (value.length < STRONG_MIN_LENGTH) return value
  if (strong && BASE64_WRAPPED_RE.test(value)) return BASE64_PLACEHOLDER
  if (value.length >= WEAK_MIN_LENGTH && BASE64_RE.test(value)) return BASE64_PLACEHOLDER
  return value
}
