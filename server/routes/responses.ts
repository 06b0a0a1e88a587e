import type { Context } from 'hono'
import { errorFromOpenAIBody } from '../../shared/apis/openai/error.ts'
import { completionFromResponseJson } from '../../shared/apis/responses/completion.ts'
import { summarizeResponsesRequest } from '../../shared/apis/responses/request.ts'
import { ResponsesStreamAccumulator } from '../../shared/apis/responses/stream.ts'
import type { AppEnv } from '../context.ts'
import { openAIErrorBody } from '../errors.ts'
import { upstreamHeaders } from '../proxy/upstream.ts'
import { beginJsonGeneration, generationStart } from '../relay/begin.ts'
import { type RelayDeps, relayGeneration, type UpstreamReader } from '../relay/generation.ts'

const responsesReader: UpstreamReader = {
  completion: completionFromResponseJson,
  error: errorFromOpenAIBody,
  accumulator: () => new ResponsesStreamAccumulator(),
}

/**
 * Ends a Responses stream whose upstream broke with an `error` event as OpenAI sends it (the error nested
 * under `error`, which the SDK raises as an APIError), its fields also flat, as the reference documents them.
 */
const BROKEN = openAIErrorBody(502, 'The upstream connection was lost mid-stream; the answer is incomplete.', 'upstream_disconnected').error
const MID_STREAM_ERROR = `event: error\ndata: ${JSON.stringify({ type: 'error', code: BROKEN.code, message: BROKEN.message, param: null, error: BROKEN })}\n\n`

/** `POST /v1/responses`: the OpenAI Responses API, relayed as sent to OpenAI-compatible upstreams. */
export function responses(deps: RelayDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const read = await beginJsonGeneration(c, deps, {
      modelExample: '"gpt-4o-mini"',
      user: (body) => ({ bodyUser: body.user }),
      upstreamApis: ['openai'],
      apiName: 'The Responses API',
    })
    if (!read.ok) return read.response
    const { body, text, begun } = read
    const { provider, model } = begun

    return relayGeneration(c, deps, {
      route: 'responses',
      begun,
      start: generationStart(c, begun, {
        eventName: '$ai_generation',
        requestUrl: `${provider.baseUrl}/responses`,
        ...summarizeResponsesRequest(body),
        stream: body.stream === true,
      }),
      upstreamHeaders: upstreamHeaders(c.req.raw.headers, provider),
      upstreamBody: model === body.model ? text : JSON.stringify({ ...body, model }),
      reader: responsesReader,
      midStreamError: MID_STREAM_ERROR,
    })
  }
}
