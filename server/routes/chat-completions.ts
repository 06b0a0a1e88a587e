import type { Context } from 'hono'
import { errorFromOpenAIBody } from '../../shared/apis/openai/error.ts'
import { ChatStreamAccumulator, completionFromChatJson } from '../../shared/completion/openai-chat.ts'
import { inputFromChatRequest, modelParametersFromChatRequest } from '../../shared/event/input.ts'
import { asObject, jsonObject } from '../../shared/json.ts'
import { chatErrorFromAnthropic } from '../../shared/translate/anthropic/error.ts'
import { chatToMessagesRequest } from '../../shared/translate/anthropic/request.ts'
import { messagesToChatCompletion } from '../../shared/translate/anthropic/response.ts'
import { MessagesToChatStream } from '../../shared/translate/anthropic/stream.ts'
import { chatErrorFromGemini } from '../../shared/translate/gemini/error.ts'
import { chatToGenerateContentRequest } from '../../shared/translate/gemini/request.ts'
import { generateContentToChatCompletion } from '../../shared/translate/gemini/response.ts'
import { GenerateContentToChatStream } from '../../shared/translate/gemini/stream.ts'
import type { Json, JsonObject } from '../../shared/types.ts'
import type { AppEnv } from '../context.ts'
import { openAIErrorBody } from '../errors.ts'
import { upstreamHeaders } from '../proxy/upstream.ts'
import { type Begun, beginJsonGeneration, generationStart } from '../relay/begin.ts'
import { type RelayDeps, type RelayPlan, relayGeneration, type Translation, type UpstreamReader } from '../relay/generation.ts'
import { geminiReader } from './gemini.ts'
import { anthropicReader } from './messages.ts'

/**
 * `max_tokens` for Claude when the client sets none: Anthropic requires one and OpenAI has no such
 * limit. 4096 fits every current Claude model and most answers; clients set their own for more.
 */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096

const chatReader: UpstreamReader = {
  completion: completionFromChatJson,
  error: errorFromOpenAIBody,
  accumulator: () => new ChatStreamAccumulator(),
}

/** Ends an OpenAI stream whose upstream broke: SDKs raise an error for a `data: {"error":…}` event. */
export const OPENAI_MID_STREAM_ERROR = `data: ${JSON.stringify(
  openAIErrorBody(502, 'The upstream connection was lost mid-stream; the answer is incomplete.', 'upstream_disconnected'),
)}\n\n`

/** What differs per upstream API: where the request goes, what it says, and how the answer is read. */
type UpstreamPlan = Pick<RelayPlan, 'upstreamBody' | 'reader' | 'translation' | 'drop'> & { requestUrl: string }

/**
 * `POST /v1/chat/completions`: relayed as sent to OpenAI-compatible upstreams, translated to and from
 * Anthropic Messages and Gemini generateContent when the route (SPEC §3) picks one of those.
 */
export function chatCompletions(deps: RelayDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const read = await beginJsonGeneration(c, deps, {
      modelExample: '"gpt-4o-mini" or "openrouter/meta-llama/llama-3.1-70b"',
      user: (body) => ({ bodyUser: body.user }),
      upstreamApis: ['openai', 'anthropic', 'gemini'],
      apiName: 'Chat Completions',
    })
    if (!read.ok) return read.response
    const { body, text, begun } = read

    const stream = body.stream === true
    const api = begun.provider.definition.api
    const planned = api === 'anthropic' ? toAnthropic(body, begun) : api === 'gemini' ? toGemini(body, begun) : passThrough(body, text, begun)
    if (!planned.ok) {
      return c.json(openAIErrorBody(400, planned.message, 'unsupported_parameter', planned.param), 400)
    }
    const { requestUrl, ...upstream } = planned.plan
    return relayGeneration(c, deps, {
      route: 'chat_completions',
      begun,
      // The event shows the request as the client sent it, and the answer as the upstream gave it.
      start: generationStart(c, begun, {
        eventName: '$ai_generation',
        requestUrl,
        input: inputFromChatRequest(body),
        tools: Array.isArray(body.tools) ? (body.tools as Json[]) : null,
        modelParameters: modelParametersFromChatRequest(body),
        stream,
      }),
      upstreamHeaders: upstreamHeaders(c.req.raw.headers, begun.provider),
      midStreamError: OPENAI_MID_STREAM_ERROR,
      ...upstream,
    })
  }
}

type Planned = { ok: true; plan: UpstreamPlan } | { ok: false; message: string; param: string }

function passThrough(body: JsonObject, text: string, { provider, model }: Begun): Planned {
  const upstreamBody: JsonObject = { ...body, model }
  const dropUsageChunk = body.stream === true && provider.definition.streamUsageOption && !wantsUsage(body)
  if (dropUsageChunk) {
    upstreamBody.stream_options = { ...jsonObject(body.stream_options), include_usage: true }
  }
  const adapted = provider.definition.adaptChatBody?.(upstreamBody) ?? false
  return {
    ok: true,
    plan: {
      requestUrl: `${provider.baseUrl}/chat/completions`,
      // The body goes as sent unless routing, stream usage or the provider's own rules changed it.
      upstreamBody: upstreamBody.model === body.model && !dropUsageChunk && !adapted ? text : JSON.stringify(upstreamBody),
      reader: chatReader,
      drop: dropUsageChunk ? isUsageOnly : undefined,
    },
  }
}

function toAnthropic(body: JsonObject, { provider, model }: Begun): Planned {
  const translated = chatToMessagesRequest(body, model, { defaultMaxTokens: ANTHROPIC_DEFAULT_MAX_TOKENS })
  if (!translated.ok) return translated
  const created = Math.floor(Date.now() / 1000)
  const translation: Translation = {
    json: (json) => messagesToChatCompletion(json, created),
    error: chatErrorFromAnthropic,
    stream: () => new MessagesToChatStream({ includeUsage: wantsUsage(body), created }),
  }
  return {
    ok: true,
    plan: { requestUrl: `${provider.baseUrl}/v1/messages`, upstreamBody: JSON.stringify(translated.body), reader: anthropicReader, translation },
  }
}

function toGemini(body: JsonObject, { provider, model }: Begun): Planned {
  const translated = chatToGenerateContentRequest(body)
  if (!translated.ok) return translated
  const created = Math.floor(Date.now() / 1000)
  const translation: Translation = {
    json: (json) => generateContentToChatCompletion(json, model, created),
    error: chatErrorFromGemini,
    stream: () => new GenerateContentToChatStream({ includeUsage: wantsUsage(body), created, model }),
  }
  const action = translated.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
  return {
    ok: true,
    plan: { requestUrl: `${provider.baseUrl}/v1beta/models/${model}:${action}`, upstreamBody: JSON.stringify(translated.body), reader: geminiReader, translation },
  }
}

function wantsUsage(body: JsonObject): boolean {
  return jsonObject(body.stream_options)?.include_usage === true
}

/** The chunk `stream_options.include_usage` adds: no choices, only usage. */
function isUsageOnly(data: unknown): boolean {
  const chunk = asObject(data)
  return chunk !== null && Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null
}
