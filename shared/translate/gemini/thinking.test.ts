import { describe, expect, it } from 'vitest'
import { thinkingConfigFromEffort } from './thinking.ts'

describe('thinkingConfigFromEffort', () => {
  it('gives Gemini 2.5 a thinking budget', () => {
    expect(thinkingConfigFromEffort('low', 'gemini-2.5-flash')).toEqual({ thinkingBudget: 1024 })
    expect(thinkingConfigFromEffort('medium', 'gemini-2.5-pro')).toEqual({ thinkingBudget: 8192 })
    expect(thinkingConfigFromEffort('high', 'gemini/gemini-2.5-flash')).toEqual({ thinkingBudget: 24576 })
    expect(thinkingConfigFromEffort('none', 'gemini-2.5-flash-lite')).toEqual({ thinkingBudget: 0 })
  })

  it('gives Gemini 3 a thinking level, which cannot be none', () => {
    expect(thinkingConfigFromEffort('low', 'gemini-3-pro-preview')).toEqual({ thinkingLevel: 'low' })
    expect(thinkingConfigFromEffort('minimal', 'gemini-3-flash-preview')).toEqual({ thinkingLevel: 'minimal' })
    expect(() => thinkingConfigFromEffort('none', 'gemini-3-pro-preview')).toThrow(/cannot be turned off/)
  })

  it('refuses efforts Gemini has no setting for', () => {
    expect(() => thinkingConfigFromEffort('xhigh', 'gemini-2.5-pro')).toThrow(/reasoning_effort/)
    expect(() => thinkingConfigFromEffort(3, 'gemini-2.5-pro')).toThrow(/reasoning_effort/)
  })
})
