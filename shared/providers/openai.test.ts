import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../types.ts'
import { useMaxCompletionTokens } from './openai.ts'

describe('useMaxCompletionTokens', () => {
  it("turns max_tokens into max_completion_tokens for OpenAI's reasoning models", () => {
    for (const model of ['o1', 'o3-mini', 'o4-mini-2025-04-16', 'gpt-5', 'gpt-5-mini']) {
      const body = { model, messages: [], max_tokens: 64 }
      expect(useMaxCompletionTokens(body)).toBe(true)
      expect(body).toEqual({ model, messages: [], max_completion_tokens: 64 })
    }
  })

  it('keeps a max_completion_tokens the client set and drops its max_tokens', () => {
    const body = { model: 'o3', max_tokens: 10, max_completion_tokens: 99 }
    expect(useMaxCompletionTokens(body)).toBe(true)
    expect(body).toEqual({ model: 'o3', max_completion_tokens: 99 })
  })

  it('leaves other models and bodies without max_tokens as they are', () => {
    const bodies: JsonObject[] = [{ model: 'gpt-4o-mini', max_tokens: 64 }, { model: 'gpt-4.1', max_tokens: 64 }, { model: 'omni-moderation-latest', max_tokens: 1 }, { model: 'o3' }]
    for (const body of bodies) {
      const before = structuredClone(body)
      expect(useMaxCompletionTokens(body)).toBe(false)
      expect(body).toEqual(before)
    }
  })
})
