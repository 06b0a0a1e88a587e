import type { Context } from 'hono'
import { summarizeEmbeddingsRequest } from '../../shared/apis/embeddings/request.ts'
import { usageFromEmbeddingsJson } from '../../shared/apis/embeddings/usage.ts'
import { errorFromOpenAIBody } from '../../shared/apis/openai/error.ts'
import { asObject, str } from '../../shared/json.ts'
import type { CompletionResult } from '../../shared/types.ts'
import type { AppEnv } from '../context.ts'
import { upstreamHeaders } from '../proxy/upstream.ts'
import { beginJsonGeneration, generationStart } from '../relay/begin.ts'
import { type RelayDeps, relayGeneration, type UpstreamReader } from '../relay/generation.ts'
import { OPENAI_MID_STREAM_ERROR } from './chat-completions.ts'

/** An embedding has usage and a model, and no output to show. */
function embeddingResult(json: unknown): CompletionResult {
  return { id: null, model: str(asObject(json)?.model), choices: [], stopReason: null, usage: usageFromEmbeddingsJson(json) }
}

const embeddingsReader: UpstreamReader = {
  completion: embeddingResult,
  error: errorFromOpenAIBody,
  // Embeddings are never streamed; an SSE answer would be merged into nothing.
  accumulator: () => ({ add: () => false, result: () => embeddingResult(null) }),
}

/** `POST /v1/embeddings`: relayed as sent to OpenAI-compatible upstreams; the event is `$ai_embedding`. */
export function embeddings(deps: RelayDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const read = await beginJsonGeneration(c, deps, {
      modelExample: '"text-embedding-3-small"',
      user: (body) => ({ bodyUser: body.user }),
      upstreamApis: ['openai'],
      apiName: 'The Embeddings API',
    })
    if (!read.ok) return read.response
    const { body, text, begun } = read
    const { provider, model } = begun
    const { input, modelParameters } = summarizeEmbeddingsRequest(body)

    return relayGeneration(c, deps, {
      route: 'embeddings',
      begun,
      start: generationStart(c, begun, {
        eventName: '$ai_embedding',
        requestUrl: `${provider.baseUrl}/embeddings`,
        input,
        tools: null,
        modelParameters,
        stream: false,
      }),
      upstreamHeaders: upstreamHeaders(c.req.raw.headers, provider),
      upstreamBody: model === body.model ? text : JSON.stringify({ ...body, model }),
      reader: embeddingsReader,
      midStreamError: OPENAI_MID_STREAM_ERROR,
    })
  }
}
