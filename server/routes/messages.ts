import type { Context } from 'hono'
import { uuidv7 } from 'uuidv7'
import { completionFromMessagesJson } from '../../shared/apis/anthropic/completion.ts'
import { anthropicErrorBody, errorFromAnthropicBody } from '../../shared/apis/anthropic/error.ts'
import { summarizeMessagesRequest, userFromMessagesRequest } from '../../shared/apis/anthropic/request.ts'
import { MessagesStreamAccumulator } from '../../shared/apis/anthropic/stream.ts'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'
import { upstreamHeaders } from '../proxy/upstream.ts'
import { beginGeneration, parseJsonBody } from '../relay/begin.ts'
import { type RelayDeps, relayGeneration, type UpstreamReader } from '../relay/generation.ts'

/** Reads Anthropic Messages answers, native or behind a translation. */
export const anthropicReader: UpstreamReader = {
  completion: completionFromMessagesJson,
  error: (json, status) => errorFromAnthropicBody(json) ?? { message: `upstream returned HTTP ${status}`, type: 'upstream_error', code: null },
  accumulator: () => new MessagesStreamAccumulator(),
}

/** Ends a Messages stream whose upstream broke: the Anthropic SDK raises an `error` event. */
const MID_STREAM_ERROR = `event: error\ndata: ${JSON.stringify(
  anthropicErrorBody(502, 'The upstream connection was lost mid-stream; the answer is incomplete.'),
)}\n\n`

/** `POST /v1/messages`: Anthropic Messages, relayed as sent to an Anthropic upstream. */
export function messages(deps: RelayDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const startedMs = performance.now()
    const startedAt = new Date()
    const parsed = await parseJsonBody(c)
    if (!parsed.ok) return parsed.response
    const { body } = parsed
    if (typeof body.model !== 'string' || body.model.trim() === '') {
      return errorResponse(c, 400, 'model: Field required (a model id such as "claude-sonnet-4-5").', 'missing_model')
    }

    const began = beginGeneration(c, {
      ...deps,
      startedMs,
      startedAt,
      model: body.model,
      user: { bodyMetadataUserId: userFromMessagesRequest(body) },
      upstreamApis: ['anthropic'],
      apiName: 'The Messages API',
    })
    if (!began.ok) return began.response
    const { begun } = began
    const { provider, model } = begun
    const summary = summarizeMessagesRequest(body)

    return relayGeneration(c, deps, {
      route: 'messages',
      begun,
      start: {
        eventName: '$ai_generation',
        paywall: c.get('paywall'),
        provider,
        model,
        requestUrl: `${provider.baseUrl}/v1/messages`,
        ...summary,
        stream: body.stream === true,
        userId: begun.userId,
        meta: begun.meta,
        requestId: c.get('requestId'),
        uuid: uuidv7(),
        startedAt,
        startedMs,
      },
      upstreamHeaders: upstreamHeaders(c.req.raw.headers, provider),
      upstreamBody: model === body.model ? parsed.text : JSON.stringify({ ...body, model }),
      reader: anthropicReader,
      midStreamError: MID_STREAM_ERROR,
    })
  }
}
