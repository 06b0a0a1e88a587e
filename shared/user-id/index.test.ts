import { describe, expect, it } from 'vitest'
import { resolveUserId } from './index.ts'

describe('resolveUserId', () => {
  it('takes the body `user` before every other source', () => {
    expect(resolveUserId({ bodyUser: 'body-user', bodyMetadataUserId: 'meta', header: 'hdr', pathUser: 'path' })).toEqual({
      ok: true,
      userId: 'body-user',
      source: 'body.user',
    })
  })

  it('falls through metadata.user_id, then the header, then the path prefix', () => {
    expect(resolveUserId({ bodyMetadataUserId: 'meta', header: 'hdr', pathUser: 'p' })).toMatchObject({ userId: 'meta' })
    expect(resolveUserId({ header: 'hdr', pathUser: 'p' })).toMatchObject({ userId: 'hdr', source: 'header' })
    expect(resolveUserId({ pathUser: 'p' })).toMatchObject({ userId: 'p', source: 'path' })
  })

  it('trims, and treats an empty or blank value as absent', () => {
    expect(resolveUserId({ bodyUser: '   ', header: '  user-42 ' })).toEqual({ ok: true, userId: 'user-42', source: 'header' })
    expect(resolveUserId({ bodyUser: '', header: '', pathUser: '' })).toEqual({ ok: true, userId: null })
    expect(resolveUserId({})).toEqual({ ok: true, userId: null })
  })

  it('rejects an id over 200 characters, naming the source and the limit', () => {
    const result = resolveUserId({ header: 'u'.repeat(201) })
    expect(result).toMatchObject({ ok: false, source: 'header' })
    expect(result.ok === false && result.message).toContain('201 characters')
    expect(result.ok === false && result.message).toContain('X-Openstack-User')
    expect(resolveUserId({ header: 'u'.repeat(200) })).toMatchObject({ ok: true })
  })

  it('rejects control characters and a non-string body user', () => {
    expect(resolveUserId({ bodyUser: 'a\nb' })).toMatchObject({ ok: false, source: 'body.user' })
    expect(resolveUserId({ pathUser: 'a\u0000b' })).toMatchObject({ ok: false, source: 'path' })
    expect(resolveUserId({ bodyUser: 42 })).toMatchObject({ ok: false, source: 'body.user' })
  })

  it('accepts unicode ids such as e-mail addresses and names', () => {
    expect(resolveUserId({ header: 'zoë@example.com' })).toMatchObject({ ok: true, userId: 'zoë@example.com' })
  })
})
