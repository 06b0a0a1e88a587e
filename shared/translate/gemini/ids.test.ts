import { describe, expect, it } from 'vitest'
import { newCompletionId, newToolCallId } from './ids.ts'

describe('ids', () => {
  it('look like OpenAI ids and do not repeat', () => {
    expect(newCompletionId()).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/)
    expect(newToolCallId()).toMatch(/^call_[A-Za-z0-9]{24}$/)
    expect(new Set(Array.from({ length: 100 }, newToolCallId)).size).toBe(100)
  })
})
