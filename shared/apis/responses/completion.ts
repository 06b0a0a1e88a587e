/** Reads a Responses API response object (a JSON body, or the `response` of a terminal stream event). */
import type { CompletionResult } from '../../types.ts'
import { usageFromOpenAI } from '../../usage/openai.ts'
import { choicesFromOutput } from './output.ts'
import { type Obj, asObject, str } from '../../json.ts'

const TERMINAL_STATUSES = new Set(['completed', 'incomplete', 'failed', 'cancelled'])

/**
 * `$ai_stop_reason` as @posthog/ai's responsesStopReason gives it: an incomplete response is named by
 * what cut it short (`max_output_tokens`, `content_filter`), other terminal statuses by themselves
 * (`completed`, `failed`, `cancelled`); a response still `queued` or `in_progress` has none.
 */
export function stopReasonOf(response: Obj): string | null {
  const status = str(response.status)
  if (status === null || !TERMINAL_STATUSES.has(status)) return null
  if (status === 'incomplete') return str(asObject(response.incomplete_details)?.reason) ?? status
  return status
}

export function completionFromResponseJson(body: unknown): CompletionResult {
  const response = asObject(body) ?? {}
  return {
    id: str(response.id),
    model: str(response.model),
    choices: choicesFromOutput(response.output),
    stopReason: stopReasonOf(response),
    usage: usageFromOpenAI(response.usage),
  }
}
