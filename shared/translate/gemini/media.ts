/** OpenAI content parts carrying media, as Gemini parts. */
import type { JsonObject } from '../../types.ts'
import { UntranslatableRequest } from '../chat.ts'

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)(?:;[^,;]*)*;base64,(.*)$/is

/** Image types Gemini documents, by file extension. */
const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
}

/** An inline part from a base64 `data:` URL, or null when `url` is not one. */
export function inlinePartFromDataUrl(url: string): JsonObject | null {
  const match = DATA_URL.exec(url)
  if (!match) return null
  return { inlineData: { mimeType: (match[1] as string).toLowerCase(), data: match[2] as string } }
}

/**
 * An `image_url` as a Gemini part: a `data:` URL inline; an http(s) URL as `fileData`, which needs the
 * MIME type, so only when the URL's extension names a type Gemini reads.
 */
export function imagePart(url: string, param: string): JsonObject {
  const inline = inlinePartFromDataUrl(url)
  if (inline) return inline
  let parsed: URL | null = null
  try {
    parsed = new URL(url)
  } catch {
    // Reported below with the other unusable URLs.
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new UntranslatableRequest('Image URLs must be https:// URLs or base64 data: URLs for Gemini models.', param)
  }
  const extension = /\.([a-z0-9]+)$/i.exec(parsed.pathname)?.[1]?.toLowerCase()
  const mimeType = extension ? IMAGE_TYPES[extension] : undefined
  if (!mimeType) {
    throw new UntranslatableRequest(
      'Gemini needs the image type with an image URL: use a URL ending in .png, .jpg, .jpeg, .webp, .heic or .heif, or send the image as a base64 data: URL.',
      param,
    )
  }
  return { fileData: { mimeType, fileUri: url } }
}

/** OpenAI `input_audio` (base64 and a format) as an inline part. */
export function audioPart(data: unknown, format: unknown, param: string): JsonObject {
  if (typeof data !== 'string' || data === '' || (format !== 'wav' && format !== 'mp3')) {
    throw new UntranslatableRequest("input_audio needs base64 `data` and a `format` of 'wav' or 'mp3'.", param)
  }
  return { inlineData: { mimeType: format === 'wav' ? 'audio/wav' : 'audio/mp3', data } }
}
