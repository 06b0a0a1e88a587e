import type { Context } from 'hono'
import { errorFromOpenAIBody } from '../../shared/apis/openai/error.ts'
import { ChatStreamAccumulator, completionFromChatJson } from '../../shared/completion/openai-chat.ts'
import { inputFromChatRequest, modelParametersFromChatRequest } from '../../shared/event/input.ts'
import type { Json, JsonObject } from '../../shared/types.ts'
import type { AppEnv } from '../context.ts'
import { openAIErrorBody } from '../errors.ts'
import { upstreamHeaders } from '../proxy/upstream.ts'
import { beginGeneration, generationStart, parseJsonBody, requireModel } from '../relay/begin.ts'
import { type RelayDeps, relayGeneration, type UpstreamReader } from '../relay/generation.ts'

const chatReader: UpstreamReader = {
  completion: completionFromChatJson,
  error: errorFromOpenAIBody,
  accumulator: () => new ChatStreamAccumulator(),
}

/** Ends an OpenAI stream whose upstream broke: SDKs raise an error for a `data: {"error":…}` event. */
export const OPENAI_MID_STREAM_ERROR = `data: ${JSON.stringify(
  openAIErrorBody(502, 'The upstream connection was lost mid-stream; the answer is incomplete.', 'upstream_disconnected'),
)}\n\n`

/** `POST /v1/chat/completions`: relayed to OpenAI-compatible upstreams. */
export function chatCompletions(deps: RelayDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const startedMs = performance.now()
    const startedAt = new Date()
    const parsed = await parseJsonBody(c)
    if (!parsed.ok) return parsed.response
    const { body } = parsed
    const named = requireModel(c, body, '"gpt-4o-mini" or "openrouter/meta-llama/llama-3.1-70b"')
    if (!named.ok) return named.response

    const began = beginGeneration(c, {
      ...deps,
      startedMs,
      startedAt,
      model: named.model,
      user: { bodyUser: body.user },
      upstreamApis: ['openai'],
      apiName: 'Chat Completions',
    })
    if (!began.ok) return began.response
    const { begun } = began
    const { provider, model } = begun

    const stream = body.stream === true
    const upstreamBody: JsonObject = { ...body, model }
    const clientWantsUsage = isObject(body.stream_options) && body.stream_options.include_usage === true
    const dropUsageChunk = stream && provider.definition.streamUsageOption && !clientWantsUsage
    if (dropUsageChunk) {
      upstreamBody.stream_options = { ...(isObject(body.stream_options) ? body.stream_options : {}), include_usage: true }
    }

    return relayGeneration(c, deps, {
      route: 'chat_completions',
      begun,
      start: generationStart(c, begun, {
        eventName: '$ai_generation',
        requestUrl: `${provider.baseUrl}/chat/completions`,
        input: inputFromChatRequest(body),
        tools: Array.isArray(body.tools) ? (body.tools as Json[]) : null,
        modelParameters: modelParametersFromChatRequest(body),
        stream,
      }),
      upstreamHeaders: upstreamHeaders(c.req.raw.headers, provider),
      // The body goes as sent unless routing or stream usage changed it.
      upstreamBody: upstreamBody.model === body.model && !dropUsageChunk ? parsed.text : JSON.stringify(upstreamBody),
      reader: chatReader,
      drop: dropUsageChunk ? isUsageOnly : undefined,
      midStreamError: OPENAI_MID_STREAM_ERROR,
    })
  }
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The chunk `stream_options.include_usage` adds: no choices, only usage. */
function isUsageOnly(data: unknown): boolean {
  return isObject(data) && Array.isArray(data.choices) && data.choices.length === 0 && data.usage != null
}
