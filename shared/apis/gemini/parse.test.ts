import { describe, expect, it } from 'vitest'
import { field } from './parse.ts'

describe('field', () => {
  it('reads either spelling, camelCase first', () => {
    expect(field({ system_instruction: 'snake' }, 'systemInstruction', 'system_instruction')).toBe('snake')
    expect(field({ systemInstruction: 'camel', system_instruction: 'snake' }, 'systemInstruction', 'system_instruction')).toBe('camel')
    expect(field(null, 'a', 'b')).toBeUndefined()
  })
})
