import { describe, expect, it } from 'vitest'
import { connectorUserId, userHeaders } from './user-id.ts'

describe('connectorUserId', () => {
  it('takes the field, trimmed; a number counts as text', () => {
    expect(connectorUserId('  user-42 ', 'default-user')).toEqual({ ok: true, userId: 'user-42', fromDefault: false })
    expect(connectorUserId(1234)).toEqual({ ok: true, userId: '1234', fromDefault: false })
  })

  it('falls back to the default only when the field is blank or absent', () => {
    for (const blank of [undefined, null, '', '   ']) {
      expect(connectorUserId(blank, ' team-a ')).toEqual({ ok: true, userId: 'team-a', fromDefault: true })
    }
  })

  it('is missing when neither gives an id', () => {
    expect(connectorUserId('', '')).toEqual({ ok: false, reason: 'missing' })
    expect(connectorUserId(undefined)).toEqual({ ok: false, reason: 'missing' })
  })

  it("refuses an id the proxy would refuse, in the field (never falling back) or in the default", () => {
    const long = connectorUserId('x'.repeat(201), 'fine')
    expect(long).toMatchObject({ ok: false, reason: 'invalid', inDefault: false })
    expect(long.ok === false && long.reason === 'invalid' && long.message).toMatch(/201 characters long; the limit is 200/)
    expect(connectorUserId('a\u0007b')).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringMatching(/control characters/) })
    expect(connectorUserId({ id: 1 })).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringMatching(/must be a string/) })
    expect(connectorUserId('', 'bad\nid')).toMatchObject({ ok: false, reason: 'invalid', inDefault: true })
  })
})

describe('userHeaders', () => {
  it('sends printable ASCII ids in X-Openstack-User, others in the body only', () => {
    expect(userHeaders('ada@example.com')).toEqual({ 'X-Openstack-User': 'ada@example.com' })
    expect(userHeaders('张伟')).toEqual({})
  })
})
