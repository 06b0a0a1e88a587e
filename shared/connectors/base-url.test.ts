import { describe, expect, it } from 'vitest'
import { checkBaseUrl, trimBaseUrl } from './base-url.ts'

describe('trimBaseUrl', () => {
  it('drops blanks and trailing slashes, nothing else', () => {
    expect(trimBaseUrl('  https://proxy.example.com/v1//  ')).toBe('https://proxy.example.com/v1')
    expect(trimBaseUrl('https://proxy.example.com/v1')).toBe('https://proxy.example.com/v1')
  })
})

describe('checkBaseUrl', () => {
  it('accepts https anywhere and http on localhost or 127.0.0.1, trimmed', () => {
    expect(checkBaseUrl('https://proxy.example.com/v1/')).toEqual({ ok: true, url: 'https://proxy.example.com/v1' })
    expect(checkBaseUrl(' http://localhost:8787/v1 ')).toEqual({ ok: true, url: 'http://localhost:8787/v1' })
    expect(checkBaseUrl('http://127.0.0.1:8787/user-1/v1')).toEqual({ ok: true, url: 'http://127.0.0.1:8787/user-1/v1' })
  })

  it('refuses plain http to any other host, saying https is needed', () => {
    for (const url of ['http://proxy.example.com/v1', 'http://10.0.0.5:8787/v1', 'http://127.0.0.2/v1', 'http://[::1]/v1']) {
      const result = checkBaseUrl(url)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.message).toMatch(/must use https:\/\//)
    }
  })

  it('refuses what is not an http(s) URL, or carries credentials, a query or a fragment', () => {
    const messages = ['', '   ', 'proxy.example.com/v1', 'ftp://proxy.example.com/v1', 'https://user:secret@proxy.example.com/v1', 'https://proxy.example.com/v1?key=1', 'https://proxy.example.com/v1#x', 42].map(
      (raw) => {
        const result = checkBaseUrl(raw)
        expect(result.ok, String(raw)).toBe(false)
        return result.ok ? '' : result.message
      },
    )
    expect(messages[0]).toMatch(/^Base URL is empty/)
    expect(messages[2]).toMatch(/^Base URL is not a URL/)
    expect(messages[3]).toMatch(/must start with https:\/\//)
    expect(messages[4]).toMatch(/user name or password/)
    expect(messages[4]).not.toContain('secret')
    expect(messages[5]).toMatch(/query/)
    expect(messages[6]).toMatch(/fragment/)
    expect(messages[7]).toMatch(/^Base URL is empty/)
  })
})
