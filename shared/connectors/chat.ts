/**
 * What the connectors send to `POST {base}/chat/completions` and read back (SPEC §8): the messages, the
 * sampling options as body fields, the answer's text and the cost header.
 */
import type { CompletionResult } from '../types.ts'

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const
export type ChatRole = (typeof CHAT_ROLES)[number]

export interface ChatMessage {
  role: ChatRole
  content: string
}

export function isChatRole(value: unknown): value is ChatRole {
  return typeof value === 'string' && (CHAT_ROLES as readonly string[]).includes(value)
}

/**
 * The messages sent: the system message first if set, then `messages` if it has entries, else `prompt`
 * as one user message. Null when that leaves nothing to send (no messages, blank prompt).
 */
export function chatMessages(input: { systemMessage?: string; messages?: ChatMessage[]; prompt?: string }): ChatMessage[] | null {
  const sent: ChatMessage[] = []
  if (input.systemMessage !== undefined && input.systemMessage.trim() !== '') sent.push({ role: 'system', content: input.systemMessage })
  if (input.messages !== undefined && input.messages.length > 0) {
    sent.push(...input.messages)
  } else if (input.prompt !== undefined && input.prompt.trim() !== '') {
    sent.push({ role: 'user', content: input.prompt })
  } else {
    return null
  }
  return sent
}

/** Sampling options as the connectors name them; an option left undefined is not sent. */
export interface SamplingOptions {
  temperature?: number
  maxTokens?: number
  topP?: number
  frequencyPenalty?: number
  presencePenalty?: number
  jsonOutput?: boolean
}

/** The Chat Completions body fields of the options (`response_format` json_object for JSON output). */
export function samplingFields(options: SamplingOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  if (options.temperature !== undefined) fields.temperature = options.temperature
  if (options.maxTokens !== undefined) fields.max_tokens = options.maxTokens
  if (options.topP !== undefined) fields.top_p = options.topP
  if (options.frequencyPenalty !== undefined) fields.frequency_penalty = options.frequencyPenalty
  if (options.presencePenalty !== undefined) fields.presence_penalty = options.presencePenalty
  if (options.jsonOutput) fields.response_format = { type: 'json_object' }
  return fields
}

/** The text of the first choice (its text parts joined); '' when the answer has none (only tool calls). */
export function answerText(completion: CompletionResult): string {
  return (completion.choices[0]?.content ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('')
}

/** Header the proxy sets on non-streamed answers when it knows the price (SPEC §2). */
export const COST_HEADER = 'X-Openstack-Cost-Usd'

/** USD from the cost header's value, or null when the proxy does not know the price (never a made-up 0). */
export function costFromHeader(raw: string | null | undefined): number | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null
  const cost = Number(raw)
  return Number.isFinite(cost) && cost >= 0 ? cost : null
}
