import type { JsonObject } from '../types.ts'

/** The wire format an upstream speaks. Only `openai` is passed through; the others are translated. */
export type UpstreamApi = 'openai' | 'anthropic' | 'gemini'

/** What the core knows about one provider: one module per provider defines it. */
export interface ProviderDefinition {
  /** `$ai_provider` value. */
  id: string
  api: UpstreamApi
  /** Base URL following the provider SDK's own convention (OpenAI-style ones include `/v1`). */
  defaultBaseUrl: string | null
  /** Host names that identify the provider when a custom entry points at it. */
  hostnames: readonly string[]
  /** Provider id in `@pydantic/genai-prices`, or null when it has no prices there. */
  pricesProviderId: string | null
  /** Whether a bare model name belongs to this provider's own family (SPEC §3 step 2). */
  ownsModel(model: string): boolean
  /** Upstream auth headers for the paywall's provider key. */
  authHeaders(apiKey: string): Record<string, string>
  /** Headers the upstream requires, sent when the client did not send its own (`anthropic-version`). */
  defaultHeaders?: Readonly<Record<string, string>>
  /**
   * Whether streamed usage has to be asked for with `stream_options.include_usage`.
   * False where the upstream always sends it or rejects the option.
   */
  streamUsageOption: boolean
  /**
   * Rewrites, in place, what this upstream would refuse in a Chat Completions body it is passed (OpenAI's
   * reasoning models take `max_completion_tokens` only); true when it changed something.
   */
  adaptChatBody?(body: JsonObject): boolean
}

/** A provider entry of a paywall's config, as the core needs it. */
export interface ProviderEntry {
  type?: UpstreamApi | 'openai-compatible'
  apiKey: string
  baseUrl?: string
}

/** A paywall's provider, ready to route to. */
export interface ConfiguredProvider {
  /** The config key, e.g. `openai` or `my-vllm`: what `provider/model` ids name. */
  name: string
  definition: ProviderDefinition
  baseUrl: string
  apiKey: string
}
