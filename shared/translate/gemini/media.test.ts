import { describe, expect, it } from 'vitest'
import { audioPart, imagePart, inlinePartFromDataUrl } from './media.ts'

describe('imagePart', () => {
  it('sends data: URLs inline', () => {
    expect(imagePart('data:image/jpeg;base64,/9j/4AAQSkZJRg==', 'p')).toEqual({ inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } })
  })

  it('sends web URLs by reference when the extension gives the type', () => {
    expect(imagePart('https://cdn.example.com/cats/Tabby.PNG?size=large', 'p')).toEqual({
      fileData: { mimeType: 'image/png', fileUri: 'https://cdn.example.com/cats/Tabby.PNG?size=large' },
    })
    expect(imagePart('https://example.com/a.webp', 'p')).toEqual({ fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/a.webp' } })
  })

  it('refuses URLs whose type is unknown or that Gemini cannot fetch', () => {
    expect(() => imagePart('https://example.com/render?id=1', 'p')).toThrow(/image type/)
    expect(() => imagePart('https://example.com/anim.gif', 'p')).toThrow(/image type/)
    expect(() => imagePart('ftp://example.com/a.png', 'p')).toThrow(/https:\/\//)
    expect(() => imagePart('data:image/svg+xml,<svg/>', 'p')).toThrow(/https:\/\//)
  })
})

describe('inlinePartFromDataUrl', () => {
  it('keeps the MIME type without its parameters', () => {
    expect(inlinePartFromDataUrl('data:text/plain;charset=utf-8;base64,aGk=')).toEqual({ inlineData: { mimeType: 'text/plain', data: 'aGk=' } })
    expect(inlinePartFromDataUrl('https://example.com/a.png')).toBeNull()
  })
})

describe('audioPart', () => {
  it('maps the two OpenAI audio formats', () => {
    expect(audioPart('SUQz', 'mp3', 'p')).toEqual({ inlineData: { mimeType: 'audio/mp3', data: 'SUQz' } })
    expect(() => audioPart('SUQz', 'flac', 'p')).toThrow(/wav/)
  })
})
