import { describe, expect, it } from 'vitest'
import { modelsFromAnthropicList } from '../anthropic/models.ts'
import { modelsFromGeminiList } from '../gemini/models.ts'
import { modelsFromOpenAIList } from './models.ts'

describe('model lists', () => {
  it('reads an OpenAI-compatible list, skipping entries without an id', () => {
    const body = { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' }, { object: 'model' }, { id: 'o3' }] }
    expect(modelsFromOpenAIList(body)).toEqual([{ id: 'gpt-4o-mini', created: 1721172741 }, { id: 'o3', created: 0 }])
    expect(modelsFromOpenAIList({ error: { message: 'bad key' } })).toBeNull()
  })

  it("reads Anthropic's list with its ISO creation dates", () => {
    const body = {
      data: [{ type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' }],
      has_more: false,
      first_id: 'claude-sonnet-4-5-20250929',
      last_id: 'claude-sonnet-4-5-20250929',
    }
    expect(modelsFromAnthropicList(body)).toEqual([{ id: 'claude-sonnet-4-5-20250929', created: Date.UTC(2025, 8, 29) / 1000 }])
    expect(modelsFromAnthropicList({ type: 'error' })).toBeNull()
  })

  it("reads Gemini's list without the models/ prefix, keeping only generateContent models", () => {
    const body = {
      models: [
        { name: 'models/gemini-2.5-flash', supportedGenerationMethods: ['generateContent', 'countTokens'] },
        { name: 'models/text-embedding-004', supportedGenerationMethods: ['embedContent'] },
      ],
    }
    expect(modelsFromGeminiList(body)).toEqual([{ id: 'gemini-2.5-flash', created: 0 }])
    expect(modelsFromGeminiList({ error: { code: 403 } })).toBeNull()
  })
})
