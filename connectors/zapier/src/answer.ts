/** What both actions return (SPEC §8): one flat object, documented by `answerOutputFields` and `answerSample`. */
import type { HttpResponse, PlainOutputField } from 'zapier-platform-core'
import { completionFromChatJson } from '../../../shared/completion/openai-chat.ts'
import { answerText, COST_HEADER, costFromHeader } from '../../../shared/connectors/chat.ts'
import { providerOfModel } from '../../../shared/providers/from-model.ts'
import { jsonBody } from './request.ts'

// A type, not an interface: Zapier's `sample` wants an object type with an index signature.
export type ProxyAnswer = {
  text: string
  /** The model the upstream says it served (e.g. a dated snapshot), else the one asked for. */
  model: string
  /** Told from the model id asked for; null when the id does not name it (a custom or default provider). */
  provider: string | null
  finish_reason: string | null
  input_tokens: number | null
  output_tokens: number | null
  /** From `X-Openstack-Cost-Usd`; null when the proxy does not know the price (never a made-up 0). */
  cost_usd: number | null
}

export const answerOutputFields = [
  { key: 'text', label: 'Text', type: 'string', required: true },
  { key: 'model', label: 'Model', type: 'string', required: true },
  { key: 'provider', label: 'Provider', type: 'string' },
  { key: 'finish_reason', label: 'Finish Reason', type: 'string' },
  { key: 'input_tokens', label: 'Input Tokens', type: 'integer' },
  { key: 'output_tokens', label: 'Output Tokens', type: 'integer' },
  { key: 'cost_usd', label: 'Cost (USD)', type: 'number' },
] as const satisfies readonly PlainOutputField[]

export const answerSample: ProxyAnswer = {
  text: 'Hello! How can I help you today?',
  model: 'gpt-4o-mini-2024-07-18',
  provider: 'openai',
  finish_reason: 'stop',
  input_tokens: 19,
  output_tokens: 9,
  cost_usd: 0.00000825,
}

/** The answer of a successful `POST /chat/completions` (errors were thrown by the middleware). */
export function proxyAnswer(response: HttpResponse, requestedModel: string): ProxyAnswer {
  const completion = completionFromChatJson(jsonBody(response))
  return {
    text: answerText(completion),
    model: completion.model ?? requestedModel,
    provider: providerOfModel(requestedModel),
    finish_reason: completion.stopReason,
    input_tokens: completion.usage?.inputTokens ?? null,
    output_tokens: completion.usage?.outputTokens ?? null,
    cost_usd: costFromHeader(response.getHeader(COST_HEADER)),
  }
}
