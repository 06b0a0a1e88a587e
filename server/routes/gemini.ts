import type { Context } from 'hono'
import { completionFromGenerateContentJson } from '../../shared/apis/gemini/completion.ts'
import { errorFromGeminiBody, geminiErrorBody } from '../../shared/apis/gemini/error.ts'
import { parseModelAction, summarizeGenerateContentRequest } from '../../shared/apis/gemini/request.ts'
import { GenerateContentStreamAccumulator } from '../../shared/apis/gemini/stream.ts'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'
import { upstreamHeaders } from '../proxy/upstream.ts'
import { beginGeneration, generationStart, parseJsonBody } from '../relay/begin.ts'
import { type RelayDeps, relayGeneration, type UpstreamReader } from '../relay/generation.ts'

/** Reads generateContent answers; a stream asked for without `alt=sse` comes back as a JSON array of chunks. */
export const geminiReader: UpstreamReader = {
  completion: (json) => {
    if (!Array.isArray(json)) return completionFromGenerateContentJson(json)
    const merged = new GenerateContentStreamAccumulator()
    for (const chunk of json) merged.add(chunk)
    return merged.result()
  },
  error: errorFromGeminiBody,
  accumulator: () => new GenerateContentStreamAccumulator(),
}

const MID_STREAM_ERROR = `data: ${JSON.stringify(
  geminiErrorBody(502, 'The upstream connection was lost mid-stream; the answer is incomplete.'),
)}\n\n`

/** Query parameters the upstream gets; `key` never: the proxy's own key goes in a header. */
const FORWARDED_QUERY = ['alt']

/** `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`, relayed to a Gemini upstream. */
export function generateContent(deps: RelayDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const startedMs = performance.now()
    const startedAt = new Date()
    const target = parseModelAction(c.req.param('modelAction') ?? '')
    if (!target) {
      const message = 'Only generateContent and streamGenerateContent are relayed: POST /v1beta/models/{model}:generateContent.'
      return errorResponse(c, 404, message, 'not_found')
    }
    const parsed = await parseJsonBody(c)
    if (!parsed.ok) return parsed.response
    const { body } = parsed

    const began = beginGeneration(c, {
      ...deps,
      startedMs,
      startedAt,
      model: target.model,
      // generateContent has no user field: the header or the path prefix carries it.
      user: {},
      upstreamApis: ['gemini'],
      apiName: 'The Gemini API',
    })
    if (!began.ok) return began.response
    const { begun } = began
    const { provider, model } = begun

    const query = new URLSearchParams()
    for (const name of FORWARDED_QUERY) {
      const value = c.req.query(name)
      if (value !== undefined) query.set(name, value)
    }
    const search = query.size > 0 ? `?${query}` : ''
    return relayGeneration(c, deps, {
      route: 'gemini',
      begun,
      start: generationStart(c, begun, {
        eventName: '$ai_generation',
        requestUrl: `${provider.baseUrl}/v1beta/models/${model}:${target.action}${search}`,
        ...summarizeGenerateContentRequest(body),
        stream: target.action === 'streamGenerateContent',
      }),
      upstreamHeaders: upstreamHeaders(c.req.raw.headers, provider),
      upstreamBody: parsed.text,
      reader: geminiReader,
      midStreamError: MID_STREAM_ERROR,
    })
  }
}
