import type { Context } from 'hono'
import { errorFromOpenAIBody } from '../../shared/apis/openai/error.ts'
import { completionFromResponseJson } from '../../shared/apis/responses/completion.ts'
import { summarizeResponsesRequest } from '../../shared/apis/responses/request.ts'
import { ResponsesStreamAccumulator } from '../../shared/apis/responses/stream.ts'
import type { AppEnv } from '../context.ts'
import { openAIErrorBody } from '../errors.ts'
import { upstreamHeaders } from '../proxy/upstream.ts'
import { beginGeneration, generationStart, parseJsonBody, requireModel } from '../relay/begin.ts'
import { type RelayDeps, relayGeneration, type UpstreamReader } from '../relay/generation.ts'

const responsesReader: UpstreamReader = {
  completion: completionFromResponseJson,
  error: errorFromOpenAIBody,
  accumulator: () => new ResponsesStreamAccumulator(),
}

/** Ends a Responses stream whose upstream broke with the documented `error` event, which the SDK raises. */
const MID_STREAM_ERROR = `event: error\ndata: ${JSON.stringify({
  ...openAIErrorBody(502, 'The upstream connection was lost mid-stream; the answer is incomplete.', 'upstream_disconnected').error,
  type: 'error',
})}\n\n`

/** `POST /v1/responses`: the OpenAI Responses API, relayed as sent to OpenAI-compatible upstreams. */
export function responses(deps: RelayDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const startedMs = performance.now()
    const startedAt = new Date()
    const parsed = await parseJsonBody(c)
    if (!parsed.ok) return parsed.response
    const { body } = parsed
    const named = requireModel(c, body, '"gpt-4o-mini"')
    if (!named.ok) return named.response

    const began = beginGeneration(c, {
      ...deps,
      startedMs,
      startedAt,
      model: named.model,
      user: { bodyUser: body.user },
      upstreamApis: ['openai'],
      apiName: 'The Responses API',
    })
    if (!began.ok) return began.response
    const { begun } = began
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
      upstreamBody: model === body.model ? parsed.text : JSON.stringify({ ...body, model }),
      reader: responsesReader,
      midStreamError: MID_STREAM_ERROR,
    })
  }
}
