/** Shapes an OpenAI Embeddings request body (`POST /v1/embeddings`) into what the `$ai_embedding` event needs. */
import type { Json, JsonObject } from '../../types.ts'

/**
 * Request parameters copied into `$ai_model_parameters`. @posthog/ai's getModelParams has none that
 * exist in the Embeddings API; these are the ones that change what a user gets back.
 */
const MODEL_PARAMETER_KEYS = ['dimensions', 'encoding_format'] as const

/**
 * `input` exactly as sent, as @posthog/ai sends it: a string, a list of strings, a list of token ids or
 * a list of such lists (token ids stay numbers). Missing input is null.
 */
export function summarizeEmbeddingsRequest(body: JsonObject): { input: Json; modelParameters: JsonObject } {
  const modelParameters: JsonObject = {}
  for (const key of MODEL_PARAMETER_KEYS) {
    const value = body[key]
    if (value !== undefined) modelParameters[key] = value
  }
  return { input: body.input ?? null, modelParameters }
}
