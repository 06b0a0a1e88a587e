import { describe, expect, it } from 'vitest'
import { OpenAI as PostHogOpenAI } from '@posthog/ai/openai'
import type { EmbeddingCreateParams } from 'openai/resources/embeddings'
import type { PostHog } from 'posthog-node'
import type { JsonObject } from '../../types.ts'
import { summarizeEmbeddingsRequest } from './request.ts'

describe('summarizeEmbeddingsRequest', () => {
  it('keeps a string input as sent (the Embeddings reference example)', () => {
    expect(
      summarizeEmbeddingsRequest({
        input: 'The food was delicious and the waiter...',
        model: 'text-embedding-ada-002',
        encoding_format: 'float',
      }),
    ).toEqual({ input: 'The food was delicious and the waiter...', modelParameters: { encoding_format: 'float' } })
  })

  it('keeps a batch of strings and token arrays as sent, token ids as numbers', () => {
    expect(summarizeEmbeddingsRequest({ model: 'text-embedding-3-small', input: ['first doc', 'second doc'] }).input).toEqual([
      'first doc',
      'second doc',
    ])
    const tokens = [[791, 3691, 574, 18406], [8586, 374]]
    expect(summarizeEmbeddingsRequest({ model: 'text-embedding-3-small', input: tokens }).input).toEqual(tokens)
  })

  it('copies dimensions and encoding_format, not the user or the model', () => {
    expect(
      summarizeEmbeddingsRequest({
        model: 'text-embedding-3-large',
        input: 'hi',
        dimensions: 256,
        encoding_format: 'base64',
        user: 'user-1234',
      }).modelParameters,
    ).toEqual({ dimensions: 256, encoding_format: 'base64' })
  })

  it('has a null input when the body has none', () => {
    expect(summarizeEmbeddingsRequest({ model: 'text-embedding-3-small' })).toEqual({ input: null, modelParameters: {} })
  })
})

describe('summarizeEmbeddingsRequest matches @posthog/ai', () => {
  it('gives the same $ai_input as the official wrapper', async () => {
    const body: JsonObject = { model: 'text-embedding-3-small', input: [[791, 3691], 'and text'], encoding_format: 'float' }
    const captured: { event: string; properties: Record<string, unknown> }[] = []
    const client = new PostHogOpenAI({
      apiKey: 'sk-test',
      posthog: { capture: (event: { event: string; properties: Record<string, unknown> }) => captured.push(event) } as unknown as PostHog,
      fetch: async () =>
        Response.json({
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.5, -0.25] }],
          model: 'text-embedding-3-small',
          usage: { prompt_tokens: 4, total_tokens: 4 },
        }),
    })
    // Cast: the same JSON the proxy receives, which the SDK types as its params.
    await client.embeddings.create({ ...(body as unknown as EmbeddingCreateParams), posthogDistinctId: 'u-1' })
    await new Promise((resolve) => setTimeout(resolve, 0))

    expect(captured.map((e) => e.event)).toEqual(['$ai_embedding'])
    expect(summarizeEmbeddingsRequest(body).input).toEqual(captured[0]!.properties.$ai_input)
  })
})
