import { describe, expect, it } from 'vitest'
import { asObject, blockIndex, count, jsonObject, str } from './json.ts'

describe('JSON readers', () => {
  it('asObject and jsonObject accept plain objects only', () => {
    expect(asObject({ type: 'ping' })).toEqual({ type: 'ping' })
    expect(jsonObject({ type: 'ping' })).toEqual({ type: 'ping' })
    for (const value of [null, undefined, [], 'message', 0]) {
      expect(asObject(value)).toBeNull()
      expect(jsonObject(value ?? undefined)).toBeNull()
    }
  })

  it('str keeps non-empty strings', () => {
    expect(str('msg_01')).toBe('msg_01')
    expect(str('')).toBeNull()
    expect(str(1)).toBeNull()
  })

  it('count keeps finite non-negative numbers, 0 included', () => {
    expect(count(0)).toBe(0)
    expect(count(25)).toBe(25)
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, '25', null]) expect(count(value)).toBeNull()
  })

  it('blockIndex keeps non-negative integers', () => {
    expect(blockIndex(0)).toBe(0)
    expect(blockIndex(3)).toBe(3)
    for (const value of [1.5, -1, '1', undefined]) expect(blockIndex(value)).toBeNull()
  })
})
