/** Chat Completions content (a string or typed parts) as Anthropic content blocks. */
import { jsonObject } from '../../json.ts'
import type { Json, JsonObject } from '../../types.ts'
import { UntranslatableRequest } from '../chat.ts'

/** Image types Anthropic accepts inline. */
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp']
const DATA_URL_RE = /^data:([^;,]*)((?:;[^;,]*)*),/i

/** Anthropic rejects empty and whitespace-only text blocks; they carry nothing, so they are left out. */
function isBlank(text: string): boolean {
  return text.trim() === ''
}

/** Keeps an Anthropic `cache_control` that some OpenAI-format clients set on a part (prompt caching). */
function withCacheControl(block: JsonObject, part: JsonObject | null): JsonObject {
  const cacheControl = jsonObject(part?.cache_control)
  if (cacheControl) block.cache_control = cacheControl
  return block
}

function textBlock(text: string, part: JsonObject | null): JsonObject {
  return withCacheControl({ type: 'text', text }, part)
}

interface DataUrl {
  mediaType: string
  data: string
}

function parseBase64DataUrl(url: string, param: string): DataUrl {
  const match = DATA_URL_RE.exec(url)
  const params = match?.[2]?.toLowerCase().split(';') ?? []
  if (!match || !params.includes('base64')) {
    throw new UntranslatableRequest('A data: URL must be base64-encoded (data:<media type>;base64,<data>).', param)
  }
  return { mediaType: (match[1] ?? '').toLowerCase(), data: url.slice(match[0].length) }
}

function imageBlock(part: JsonObject, param: string): JsonObject {
  const imageUrl = part.image_url
  // The documented shape is { url, detail }; a bare string is accepted as the URL.
  const url = typeof imageUrl === 'string' ? imageUrl : jsonObject(imageUrl)?.url
  const urlParam = typeof imageUrl === 'string' ? `${param}.image_url` : `${param}.image_url.url`
  if (typeof url !== 'string') throw new UntranslatableRequest('image_url.url is required.', urlParam)
  if (/^https:\/\//i.test(url)) return withCacheControl({ type: 'image', source: { type: 'url', url } }, part)
  if (!/^data:/i.test(url)) {
    throw new UntranslatableRequest('An image for an Anthropic model must be an https:// URL or a base64 data: URL.', urlParam)
  }
  const { mediaType, data } = parseBase64DataUrl(url, urlParam)
  const type = mediaType === 'image/jpg' ? 'image/jpeg' : mediaType
  if (!IMAGE_TYPES.includes(type)) {
    throw new UntranslatableRequest(
      `Unsupported image type '${mediaType}': Anthropic models accept ${IMAGE_TYPES.join(', ')}.`,
      urlParam,
    )
  }
  return withCacheControl({ type: 'image', source: { type: 'base64', media_type: type, data } }, part)
}

/** A `file` part: only inline PDFs have an Anthropic equivalent (a document block). */
function documentBlock(part: JsonObject, param: string): JsonObject {
  const file = jsonObject(part.file)
  const fileData = file?.file_data
  if (typeof fileData !== 'string') {
    throw new UntranslatableRequest('Only files sent inline as file.file_data (a base64 PDF) can be sent to Anthropic models.', `${param}.file`)
  }
  const { mediaType, data } = parseBase64DataUrl(fileData, `${param}.file.file_data`)
  if (mediaType !== 'application/pdf') {
    throw new UntranslatableRequest(`Unsupported file type '${mediaType}': Anthropic models accept PDF files.`, `${param}.file.file_data`)
  }
  const block: JsonObject = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data } }
  if (typeof file?.filename === 'string' && file.filename !== '') block.title = file.filename
  return withCacheControl(block, part)
}

/** A user message's content: text, images and PDF files. */
export function userBlocks(content: Json | undefined, param: string): JsonObject[] {
  if (typeof content === 'string') return isBlank(content) ? [] : [textBlock(content, null)]
  if (!Array.isArray(content)) throw new UntranslatableRequest('Message content must be a string or an array of content parts.', param)
  const blocks: JsonObject[] = []
  content.forEach((raw, i) => {
    const partParam = `${param}[${i}]`
    const part = jsonObject(raw)
    switch (part?.type) {
      case 'text':
        if (typeof part.text !== 'string') throw new UntranslatableRequest('A text part needs a string `text`.', `${partParam}.text`)
        if (!isBlank(part.text)) blocks.push(textBlock(part.text, part))
        return
      case 'image_url':
        blocks.push(imageBlock(part, partParam))
        return
      case 'file':
        blocks.push(documentBlock(part, partParam))
        return
      default:
        throw new UntranslatableRequest(
          `Content part type ${JSON.stringify(part?.type ?? null)} is not supported for Anthropic models (text, image_url and PDF file parts are).`,
          `${partParam}.type`,
        )
    }
  })
  return blocks
}

/**
 * Content that can only be text (system, developer and tool messages; assistant messages, whose
 * `refusal` parts are text they said).
 */
export function textBlocks(content: Json | undefined, param: string, allowRefusal = false): JsonObject[] {
  if (content === undefined || content === null) return []
  if (typeof content === 'string') return isBlank(content) ? [] : [textBlock(content, null)]
  if (!Array.isArray(content)) throw new UntranslatableRequest('Message content must be a string or an array of content parts.', param)
  const blocks: JsonObject[] = []
  content.forEach((raw, i) => {
    const part = jsonObject(raw)
    const text = part?.type === 'text' ? part.text : allowRefusal && part?.type === 'refusal' ? part.refusal : undefined
    if (typeof text !== 'string') {
      throw new UntranslatableRequest('Only text content parts are supported in this message.', `${param}[${i}]`)
    }
    if (!isBlank(text)) blocks.push(textBlock(text, part))
  })
  return blocks
}

/** Content as Anthropic's shortest form: a lone plain text block becomes a string. */
export function compactContent(blocks: JsonObject[]): Json {
  const only = blocks[0]
  if (blocks.length === 1 && only?.type === 'text' && typeof only.text === 'string' && Object.keys(only).length === 2) return only.text
  return blocks
}
