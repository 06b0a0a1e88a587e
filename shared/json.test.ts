import { describe, expect, it } from 'vitest'
import { asIndex, asObject, count, jsonObject, str } from './json.ts'

describe('JSON readers', () => {
  it('take plain objects only', () => {
    expect(asObject({ a: 1 })).toEqual({ a: 1 })
    for (const value of [null, [1], 'x', 3, undefined]) expect(asObject(value)).toBeNull()
    expect(jsonObject([1])).toBeNull()
  })

  it('treat an empty string as missing', () => {
    expect(str('id')).toBe('id')
    expect(str('')).toBeNull()
    expect(str(7)).toBeNull()
  })

  it('accept only real counts and positions: unknown stays null, never 0', () => {
    expect(count(0)).toBe(0)
    expect(count(12.5)).toBe(12.5)
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, '12', null]) expect(count(value)).toBeNull()
    expect(asIndex(2)).toBe(2)
    for (const value of [1.5, -1, '0']) expect(asIndex(value)).toBeNull()
  })
})
