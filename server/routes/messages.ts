import type { Context } from 'hono'
import { completionFromMessagesJson } from '../../shared/apis/anthropic/completion.ts'
import { anthropicErrorBody, errorFromAnthropicBody } from '../../shared/apis/anthropic/error.ts'
import { summarizeMessagesRequest, userFromMessagesRequest } from '../../shared/apis/anthropic/request.ts'
import { MessagesStreamAccumulator } from '../../shared/apis/anthropic/stream.ts'
import type { AppEnv } from '../context.ts'
import { upstreamHeaders } from '../proxy/upstream.ts'
import { beginJsonGeneration, generationStart } from '../relay/begin.ts'
import { type RelayDeps, relayGeneration, type UpstreamReader } from '../relay/generation.ts'

/** Reads Anthropic Messages answers, native or behind a translation. */
export const anthropicReader: UpstreamReader = {
  completion: completionFromMessagesJson,
  error: errorFromAnthropicBody,
  accumulator: () => new MessagesStreamAccumulator(),
}

/** Ends a Messages stream whose upstream broke: the Anthropic SDK raises an `error` event. */
const MID_STREAM_ERROR = `event: error\ndata: ${JSON.stringify(
  anthropicErrorBody(502, 'The upstream connection was lost mid-stream; the answer is incomplete.'),
)}\n\n`

/** `POST /v1/messages`: Anthropic Messages, relayed as sent to an Anthropic upstream. */
export function messages(deps: RelayDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const read = await beginJsonGeneration(c, deps, {
      modelExample: '"claude-sonnet-4-5"',
      user: (body) => ({ bodyMetadataUserId: userFromMessagesRequest(body) }),
      upstreamApis: ['anthropic'],
      apiName: 'The Messages API',
    })
    if (!read.ok) return read.response
    const { body, text, begun } = read
    const { provider, model } = begun

    return relayGeneration(c, deps, {
      route: 'messages',
      begun,
      start: generationStart(c, begun, {
        eventName: '$ai_generation',
        requestUrl: `${provider.baseUrl}/v1/messages`,
        ...summarizeMessagesRequest(body),
        stream: body.stream === true,
      }),
      upstreamHeaders: upstreamHeaders(c.req.raw.headers, provider),
      upstreamBody: model === body.model ? text : JSON.stringify({ ...body, model }),
      reader: anthropicReader,
      midStreamError: MID_STREAM_ERROR,
    })
  }
}
