import { computeCost } from '../../shared/cost/index.ts'
import { buildGenerationEvent } from '../../shared/event/build.ts'
import type { GenerationRecord } from '../../shared/event/types.ts'
import type { ConfiguredProvider } from '../../shared/providers/types.ts'
import type { RequestMeta } from '../../shared/request-meta/index.ts'
import type { CompletionResult, Cost, Json, JsonObject } from '../../shared/types.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import type { Paywall } from '../paywalls.ts'
import type { AnalyticsSink } from './sink.ts'

/** What is known about a routed request when it is sent upstream. */
export interface GenerationStart {
  eventName: GenerationRecord['eventName']
  paywall: Paywall
  provider: ConfiguredProvider
  /** Model id as sent upstream. */
  model: string
  requestUrl: string
  input: Json
  tools: Json[] | null
  modelParameters: JsonObject
  stream: boolean
  userId: string | null
  meta: RequestMeta
  requestId: string
  uuid: string
  startedAt: Date
  /** performance.now() at request start. */
  startedMs: number
}

/** How it ended. */
export interface GenerationEnd {
  httpStatus: number
  error: GenerationRecord['error']
  completion: CompletionResult
  lastByteMs: number
  firstTokenMs: number | null
  /** Already computed for the `X-Openstack-Cost-Usd` header; computed here otherwise. */
  cost?: Cost | null
}

/** Whether a request will produce an event (SPEC §2 missing-user rules). */
export type AnalyticsDecision = 'send' | 'disabled' | 'missing-user'

export const EMPTY_COMPLETION: CompletionResult = { id: null, model: null, choices: [], stopReason: null, usage: null }

export class GenerationRecorder {
  constructor(
    private readonly sink: AnalyticsSink,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly libVersion: string,
  ) {}

  decide(paywall: Paywall, userId: string | null): AnalyticsDecision {
    const posthog = paywall.config.posthog
    if (!posthog.enabled) return 'disabled'
    if (userId === null && !posthog.anonymousFallback) return 'missing-user'
    return 'send'
  }

  costOf(start: GenerationStart, completion: CompletionResult): Cost | null {
    if (!completion.usage) return null
    return computeCost({
      pricesProviderId: start.provider.definition.pricesProviderId,
      models: completion.model && completion.model !== start.model ? [completion.model, start.model] : [start.model],
      usage: completion.usage,
      overrides: start.paywall.config.pricing,
      at: start.startedAt,
    })
  }

  /**
   * Builds the event and hands it to the sink. The caller waits for the returned promise before it releases
   * the response's last byte: it resolves once the spool has written the event (in a shared write off the
   * event loop), so a request answered before a crash (even kill -9) has its event on disk. Building the
   * event is the only analytics work on the request path; fdatasync and PostHog come later. Never throws
   * or rejects. Requests that get no event (analytics off, no user) still count towards the unknown-price
   * metric.
   */
  record(start: GenerationStart, end: GenerationEnd): Promise<void> {
    try {
      return this.emit(start, end)
    } catch (error) {
      this.log('error', 'could not build the analytics event', { error: String(error) })
      return Promise.resolve()
    }
  }

  private emit(start: GenerationStart, end: GenerationEnd): Promise<void> {
    const { paywall, provider } = start
    const cost = end.cost === undefined ? this.costOf(start, end.completion) : end.cost
    const servedModel = end.completion.model ?? start.model
    if (cost === null && end.completion.usage) {
      this.metrics.unknownPrice.inc({ provider: provider.definition.id, model: servedModel })
    }
    const posthog = paywall.config.posthog
    if (this.decide(paywall, start.userId) !== 'send' || !posthog.apiKey) return Promise.resolve()
    const event = buildGenerationEvent({
      eventName: start.eventName,
      uuid: start.uuid,
      startedAt: start.startedAt,
      distinctId: start.userId,
      provider: provider.definition.id,
      requestedModel: start.model,
      baseUrl: provider.baseUrl,
      requestUrl: start.requestUrl,
      input: start.input,
      tools: start.tools,
      modelParameters: start.modelParameters,
      stream: start.stream,
      completion: end.completion,
      cost,
      httpStatus: end.httpStatus,
      error: end.error,
      latencySeconds: (end.lastByteMs - start.startedMs) / 1000,
      timeToFirstTokenSeconds: end.firstTokenMs === null ? null : (end.firstTokenMs - start.startedMs) / 1000,
      traceId: start.meta.traceId,
      sessionId: start.meta.sessionId,
      spanName: start.meta.spanName,
      customProperties: start.meta.properties,
      paywallId: paywall.config.id,
      projectId: posthog.projectId ?? null,
      requestId: start.requestId,
      privacyMode: posthog.privacyMode,
      libVersion: this.libVersion,
    })
    return this.sink.send({ host: posthog.host, apiKey: posthog.apiKey }, event)
  }
}
