import { describe, expect, it } from 'vitest'
import { count, field } from './parse.ts'

describe('field', () => {
  it('reads either spelling, camelCase first', () => {
    expect(field({ system_instruction: 'snake' }, 'systemInstruction', 'system_instruction')).toBe('snake')
    expect(field({ systemInstruction: 'camel', system_instruction: 'snake' }, 'systemInstruction', 'system_instruction')).toBe('camel')
    expect(field(null, 'a', 'b')).toBeUndefined()
  })
})

describe('count', () => {
  it('accepts only finite non-negative numbers', () => {
    expect(count(0)).toBe(0)
    expect(count(12)).toBe(12)
    expect(count(-1)).toBeNull()
    expect(count('12')).toBeNull()
    expect(count(Number.NaN)).toBeNull()
  })
})
