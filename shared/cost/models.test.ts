import { describe, expect, it } from 'vitest'
import { modelsInPriceDatabase } from './models.ts'

describe('modelsInPriceDatabase', () => {
  it("lists a provider's priced models", () => {
    expect(modelsInPriceDatabase('anthropic')).toEqual(expect.arrayContaining([expect.stringMatching(/^claude-/)]))
    expect(modelsInPriceDatabase('openai')).toContain('gpt-4o-mini')
  })

  it('is empty for a provider without prices', () => {
    expect(modelsInPriceDatabase(null)).toEqual([])
    expect(modelsInPriceDatabase('no-such-provider')).toEqual([])
  })
})
