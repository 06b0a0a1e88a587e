/** Turns a finished request into the PostHog event, shaped like `@posthog/ai`'s `$ai_generation`. */
import type { Json, JsonObject } from '../types.ts'
import { redactBase64 } from './redact.ts'
import { capEventSize, MAX_EVENT_BYTES } from './truncate.ts'
import type { GenerationRecord, PostHogEvent } from './types.ts'

/**
 * Room left under the cap for what travels with the properties: distinct id, uuid, timestamp, and the
 * properties the PostHog client adds itself ($lib, $lib_version, $is_server, $geoip_disable, …).
 */
const ENVELOPE_BYTES = 4096

/** Property names custom properties may never set (besides anything starting with `$`). */
const RESERVED_PROPERTIES = new Set([
  'openstack_paywall_id', 'openstack_project_id', 'openstack_request_id', 'distinct_id',
])

export function buildGenerationEvent(record: GenerationRecord): PostHogEvent {
  const { completion, privacyMode } = record
  const usage = completion.usage
  // An embedding has no output to show or count, as in @posthog/ai's `$ai_embedding`.
  const embedding = record.eventName === '$ai_embedding'
  const props: Record<string, unknown> = {
    $ai_model: completion.model ?? record.requestedModel,
    $ai_provider: record.provider,
    $ai_input: privacyMode ? null : redactBase64(record.input),
    // Cast: OutputChoice is an interface (no index signature) but is plain JSON.
    $ai_output_choices: privacyMode || embedding ? null : redactBase64(completion.choices as unknown as Json),
  }

  if (usage) {
    if (usage.inputTokens !== null) props.$ai_input_tokens = usage.inputTokens
    if (usage.outputTokens !== null && !embedding) props.$ai_output_tokens = usage.outputTokens
    if (usage.cacheReadTokens !== undefined) props.$ai_cache_read_input_tokens = usage.cacheReadTokens
    if (usage.cacheWriteTokens !== undefined) props.$ai_cache_creation_input_tokens = usage.cacheWriteTokens
    if (usage.reasoningTokens !== undefined) props.$ai_reasoning_tokens = usage.reasoningTokens
  }
  // Without usage (a failed request), PostHog's own default: exclusive for Anthropic, inclusive otherwise.
  props.$ai_cache_reporting_exclusive = usage?.cacheReportingExclusive ?? record.provider === 'anthropic'

  props.$ai_latency = record.latencySeconds
  if (record.timeToFirstTokenSeconds !== null) props.$ai_time_to_first_token = record.timeToFirstTokenSeconds
  props.$ai_http_status = record.httpStatus

  const isError = record.error !== null || record.httpStatus >= 400
  props.$ai_is_error = isError
  if (isError) props.$ai_error = errorText(record)

  const cost = record.cost
  if (cost) {
    if (cost.source !== 'upstream') {
      props.$ai_input_cost_usd = cost.inputUsd
      props.$ai_output_cost_usd = cost.outputUsd
    }
    props.$ai_total_cost_usd = cost.totalUsd
    // Without it PostHog recomputes the components from its own price table (posthog.md §3).
    props.$ai_cost_passthrough = true
  }

  props.$ai_trace_id = record.traceId
  if (record.sessionId !== null) props.$ai_session_id = record.sessionId
  if (record.spanName !== null) props.$ai_span_name = record.spanName

  const params = record.modelParameters
  props.$ai_stream = record.stream
  if (typeof params.temperature === 'number') props.$ai_temperature = params.temperature
  const maxTokens = firstNumber(params, ['max_tokens', 'max_completion_tokens', 'max_output_tokens', 'maxOutputTokens'])
  if (maxTokens !== null) props.$ai_max_tokens = maxTokens
  props.$ai_model_parameters = params

  if (!privacyMode && record.tools && record.tools.length > 0) props.$ai_tools = redactBase64(record.tools)
  if (completion.stopReason !== null) props.$ai_stop_reason = completion.stopReason
  if (completion.id !== null) props.$ai_completion_id = completion.id
  props.$ai_base_url = record.baseUrl
  props.$ai_request_url = record.requestUrl
  props.$ai_lib = 'openstack'
  props.$ai_lib_version = record.libVersion

  props.openstack_paywall_id = record.paywallId
  if (record.projectId !== null) props.openstack_project_id = record.projectId
  props.openstack_request_id = record.requestId

  for (const [name, value] of Object.entries(record.customProperties)) {
    if (!name.startsWith('$') && !RESERVED_PROPERTIES.has(name)) props[name] = value
  }

  // No user: a personless event keyed by the trace id, as @posthog/ai does.
  const distinctId = record.distinctId ?? record.traceId
  if (record.distinctId === null) props.$process_person_profile = false

  return {
    event: record.eventName,
    distinctId,
    uuid: record.uuid,
    timestamp: record.startedAt,
    properties: capEventSize(props, MAX_EVENT_BYTES - ENVELOPE_BYTES),
  }
}

/**
 * The provider's message, or in privacy mode only type, status and code: provider messages can
 * echo the prompt ("… is not valid JSON: <the user's text>").
 */
function errorText(record: GenerationRecord): string {
  const error = record.error
  if (!record.privacyMode && error && error.message.trim() !== '') return error.message
  const details = [`status ${record.httpStatus}`]
  if (error?.code) details.push(`code ${error.code}`)
  return `${error?.type || 'error'} (${details.join(', ')})`
}

function firstNumber(params: JsonObject, keys: string[]): number | null {
  for (const key of keys) {
    const value = params[key]
    if (typeof value === 'number') return value
  }
  return null
}
