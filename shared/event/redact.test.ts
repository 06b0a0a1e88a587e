import { describe, expect, it } from 'vitest'
import type { Json } from '../types.ts'
import { redactBase64 } from './redact.ts'

const b64 = (n: number) => 'QUJD'.repeat(Math.ceil(n / 4)).slice(0, n)

describe('redactBase64', () => {
  it('redacts a data URL anywhere, naming its media type', () => {
    const msg: Json = {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this image?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      ],
    }
    expect(redactBase64(msg)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this image?' },
        { type: 'image_url', image_url: { url: '[base64 image/png redacted]' } },
      ],
    })
  })

  it('redacts raw base64 of 64+ chars in binary contexts (Anthropic, Gemini, OpenAI audio)', () => {
    const anthropic = { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: b64(64) } }
    const gemini = { inlineData: { mimeType: 'application/pdf', data: b64(500) } }
    const audio = { type: 'input_audio', input_audio: { data: b64(2000), format: 'wav' } }
    const underStrongKey = { result: b64(100) }
    expect(redactBase64(anthropic).source).toEqual({ type: 'base64', media_type: 'image/jpeg', data: '[base64 image/jpeg redacted]' })
    expect(redactBase64(gemini).inlineData.data).toBe('[base64 application/pdf redacted]')
    expect(redactBase64(audio).input_audio.data).toBe('[base64 audio/wav redacted]')
    expect(redactBase64(underStrongKey).result).toBe('[base64 redacted]')
  })

  it('redacts line-wrapped base64 in a binary context', () => {
    const wrapped = [b64(76), b64(76), b64(20)].join('\r\n')
    expect(redactBase64({ media_type: 'image/png', data: wrapped }).data).toBe('[base64 image/png redacted]')
  })

  it('redacts any base64-only string of 1,024+ chars, wherever it is', () => {
    expect(redactBase64({ note: b64(1024) })).toEqual({ note: '[base64 redacted]' })
    expect(redactBase64([[b64(4096)]])).toEqual([['[base64 redacted]']])
  })

  it('names the media type as @posthog/ai does: mime field, audio format, block type, then key', () => {
    const value = {
      mime: { mime_type: 'audio/mpeg', format: 'wav', type: 'image', data: b64(100) },
      format: { type: 'input_audio', format: 'MP3', data: b64(100) },
      file: { type: 'input_file', filename: 'report.pdf', file_data: b64(100) },
      image: { type: 'image', data: b64(100) },
      video: { type: 'video_url', data: b64(100) },
      byKey: { audio_data: b64(100), image_bytes: b64(1024), document: b64(1024) },
      inArray: { media_type: 'image/webp', data: [b64(100), b64(100)] },
    }
    expect(redactBase64(value)).toEqual({
      mime: { mime_type: 'audio/mpeg', format: 'wav', type: 'image', data: '[base64 audio/mpeg redacted]' },
      format: { type: 'input_audio', format: 'MP3', data: '[base64 audio/mp3 redacted]' },
      file: { type: 'input_file', filename: 'report.pdf', file_data: '[base64 file redacted]' },
      image: { type: 'image', data: '[base64 image redacted]' },
      video: { type: 'video_url', data: '[base64 video redacted]' },
      byKey: { audio_data: '[base64 audio redacted]', image_bytes: '[base64 image redacted]', document: '[base64 file redacted]' },
      inArray: { media_type: 'image/webp', data: ['[base64 image/webp redacted]', '[base64 image/webp redacted]'] },
    })
  })

  it('names a data URL by its own type, parameters and all, over any sibling field', () => {
    const value = {
      mime_type: 'image/png',
      url: 'data:application/pdf;name=report.pdf;base64,' + b64(5000),
      short: 'data:image/svg+xml;charset=utf-8;base64,PHN2Zy8+',
    }
    expect(redactBase64(value)).toEqual({
      mime_type: 'image/png',
      url: '[base64 application/pdf redacted]',
      short: '[base64 image/svg+xml redacted]',
    })
  })

  it('never copies a mime field or data URL type that is not a media type name into the placeholder', () => {
    const secret = 'my password is hunter2'
    const value = {
      fromField: { media_type: secret, data: b64(100) },
      tooLong: { mimeType: `image/${'x.'.repeat(100)}`, data: b64(100) },
      fromUrl: `data:${'y'.repeat(300)};base64,${b64(100)}`,
      fieldThenFormat: { mime_type: 'not a type', format: 'flac', data: b64(100) },
    }
    const out = redactBase64(value)
    expect(out).toEqual({
      fromField: { media_type: secret, data: '[base64 redacted]' },
      tooLong: { mimeType: `image/${'x.'.repeat(100)}`, data: '[base64 redacted]' },
      fromUrl: '[base64 redacted]',
      fieldThenFormat: { mime_type: 'not a type', format: 'flac', data: '[base64 audio/flac redacted]' },
    })
    expect(JSON.stringify(out)).not.toContain(b64(64))
  })

  it('leaves short, ordinary or out-of-context strings alone', () => {
    const value = {
      data: b64(63), // strong key but too short
      text: b64(1023), // base64-looking but neither in a binary context nor 1,024 chars
      source: 'x'.repeat(63) + ' and some prose',
      prose: 'lorem ipsum dolor '.repeat(200),
      image_url: { url: 'https://example.com/cat.png' },
      n: 1.5,
      ok: true,
      nothing: null,
    }
    expect(redactBase64(value)).toEqual(value)
  })

  it('does not treat a text/* document as binary unless it looks like base64', () => {
    const doc = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Hello world. '.repeat(20) } }
    expect(redactBase64(doc)).toEqual(doc)
  })

  it('returns a deep copy and never mutates its input', () => {
    const input: Json[] = [{ role: 'user', content: [{ type: 'image', data: b64(100) }] }]
    const before = JSON.stringify(input)
    const out = redactBase64(input)
    expect(JSON.stringify(input)).toBe(before)
    expect(out).not.toBe(input)
    expect(out[0]).not.toBe(input[0])
  })

  it('keeps a "__proto__" key as plain data', () => {
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as Json
    const out = redactBase64(parsed) as Record<string, Json>
    expect(Object.keys(out)).toEqual(['__proto__', 'a'])
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(JSON.stringify(out)).toBe('{"__proto__":{"x":1},"a":2}')
  })
})
