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
    expect(redactBase64(anthropic).source).toEqual({ type: 'base64', media_type: 'image/jpeg', data: '[base64 redacted]' })
    expect(redactBase64(gemini).inlineData.data).toBe('[base64 redacted]')
    expect(redactBase64(audio).input_audio.data).toBe('[base64 redacted]')
    expect(redactBase64(underStrongKey).result).toBe('[base64 redacted]')
  })

  it('redacts line-wrapped base64 in a binary context', () => {
    const wrapped = [b64(76), b64(76), b64(20)].join('\r\n')
    expect(redactBase64({ media_type: 'image/png', data: wrapped }).data).toBe('[base64 redacted]')
  })

  it('redacts any base64-only string of 1,024+ chars, wherever it is', () => {
    expect(redactBase64({ note: b64(1024) })).toEqual({ note: '[base64 redacted]' })
    expect(redactBase64([[b64(4096)]])).toEqual([['[base64 redacted]']])
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
