/** A Gemini generateContent response as an OpenAI `chat.completion`. */
import type { JsonObject } from '../../types.ts'
import type { GeminiCandidate, GeminiFunctionCall } from '../../apis/gemini/candidate.ts'
import { promptBlockReason, readCandidates } from '../../apis/gemini/candidate.ts'
import { asObject, str } from '../../json.ts'
import { usageFromGemini } from '../../apis/gemini/usage.ts'
import { newCompletionId, newToolCallId } from './ids.ts'
import type { ChatFinishReason } from '../chat.ts'


/** Finish reasons meaning Gemini withheld (part of) the answer. */
const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY'])

/**
 * Gemini's finish reason in OpenAI's terms. Gemini says STOP after function calls, where OpenAI says
 * tool_calls; reasons OpenAI has no word for (OTHER, MALFORMED_FUNCTION_CALL, …) read as stop.
 */
export function finishReasonFromGemini(reason: string | null, hasToolCalls: boolean): ChatFinishReason {
  if (reason === 'MAX_TOKENS') return 'length'
  if (reason !== null && FILTERED.has(reason)) return 'content_filter'
  return hasToolCalls ? 'tool_calls' : 'stop'
}

/**
 * One OpenAI tool call. Gemini rarely names its calls, so an id is made up for the client to answer
 * with. The thought signature travels in `extra_content`, where Google's own OpenAI-compatible endpoint
 * puts it, so clients that send tool calls back as received keep Gemini 3's reasoning context.
 */
export function chatToolCall(call: GeminiFunctionCall): JsonObject {
  const toolCall: JsonObject = {
    id: call.id ?? newToolCallId(),
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.args) },
  }
  if (call.thoughtSignature) toolCall.extra_content = { google: { thought_signature: call.thoughtSignature } }
  return toolCall
}

/**
 * `usageMetadata` as an OpenAI usage block, where reasoning is inside `completion_tokens`; null unless
 * both sides are known.
 */
export function chatUsageFromGemini(usageMetadata: unknown): JsonObject | null {
  const usage = usageFromGemini(usageMetadata)
  if (!usage || usage.inputTokens === null || usage.outputTokens === null) return null
  const completionTokens = usage.outputTokens + (usage.reasoningTokens ?? 0)
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: completionTokens,
    total_tokens: usage.inputTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  }
}

function choice(candidate: GeminiCandidate): JsonObject {
  const message: JsonObject = { role: 'assistant', content: candidate.text === '' ? null : candidate.text }
  if (candidate.calls.length > 0) message.tool_calls = candidate.calls.map(chatToolCall)
  message.refusal = null
  return {
    index: candidate.index,
    message,
    logprobs: null,
    finish_reason: finishReasonFromGemini(candidate.finishReason, candidate.calls.length > 0),
  }
}

/**
 * The whole response, one choice per candidate. A prompt Gemini blocked outright has no candidate;
 * it becomes one empty `content_filter` choice, since OpenAI clients read `choices[0]`.
 */
export function generateContentToChatCompletion(response: unknown, model: string, created: number): JsonObject {
  const r = asObject(response)
  let choices = readCandidates(r).sort((a, b) => a.index - b.index).map(choice)
  if (choices.length === 0 && promptBlockReason(r) !== null) {
    choices = [{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }]
  }
  const completion: JsonObject = {
    id: str(r?.responseId) ?? newCompletionId(),
    object: 'chat.completion',
    created,
    model,
    choices,
  }
  const usage = chatUsageFromGemini(r?.usageMetadata)
  if (usage) completion.usage = usage
  return completion
}
