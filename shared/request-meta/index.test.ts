import { describe, expect, it } from 'vitest'
import { isOpenstackHeader, readRequestMeta } from './index.ts'

const newId = () => 'generated-trace'

describe('readRequestMeta', () => {
  it('generates a trace id when none is sent and reads the optional labels', () => {
    const result = readRequestMeta(
      new Headers({ 'X-Openstack-Session-Id': 'sess-1', 'X-Openstack-Span-Name': 'summarize' }),
      newId,
    )
    expect(result).toEqual({
      ok: true,
      meta: { traceId: 'generated-trace', sessionId: 'sess-1', spanName: 'summarize', properties: {} },
    })
  })

  it("keeps a client trace id made of PostHog's allowed characters", () => {
    const traceId = "conv-42_a~b.c@d(e)!f'g:h|i"
    const result = readRequestMeta(new Headers({ 'X-Openstack-Trace-Id': traceId }), newId)
    expect(result).toMatchObject({ ok: true, meta: { traceId } })
  })

  it('rejects a trace id with other characters or over 200 characters, naming the header', () => {
    for (const bad of ['has space', 'slash/here', 'x'.repeat(201)]) {
      const result = readRequestMeta(new Headers({ 'X-Openstack-Trace-Id': bad }), newId)
      expect(result).toMatchObject({ ok: false, header: 'X-Openstack-Trace-Id' })
    }
  })

  it('turns X-Openstack-Property-NAME into a lower-cased property', () => {
    const result = readRequestMeta(
      new Headers({ 'X-Openstack-Property-Workflow': 'invoice-bot', 'x-openstack-property-Plan': 'pro' }),
      newId,
    )
    expect(result).toMatchObject({ ok: true, meta: { properties: { workflow: 'invoice-bot', plan: 'pro' } } })
  })

  it('rejects a $-property, a 21st property and a value over 1,000 characters', () => {
    expect(readRequestMeta(new Headers({ 'X-Openstack-Property-$ai_model': 'x' }), newId)).toMatchObject({
      ok: false,
      header: 'X-Openstack-Property-$ai_model',
    })
    const many = new Headers()
    for (let i = 0; i < 21; i++) many.set(`X-Openstack-Property-p${i}`, 'v')
    const tooMany = readRequestMeta(many, newId)
    expect(tooMany.ok).toBe(false)
    expect(!tooMany.ok && tooMany.message).toContain('20 custom properties')
    const long = readRequestMeta(new Headers({ 'X-Openstack-Property-Note': 'v'.repeat(1001) }), newId)
    expect(long).toMatchObject({ ok: false, header: 'X-Openstack-Property-note' })
  })

  it('recognises its own headers case-insensitively', () => {
    expect(isOpenstackHeader('X-OpenStack-User')).toBe(true)
    expect(isOpenstackHeader('x-api-key')).toBe(false)
  })
})
