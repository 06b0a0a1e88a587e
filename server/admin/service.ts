/** What the admin page and the admin API do, apart from HTTP: both call these. */
import type { PostHogDelivery } from '../analytics/delivery.ts'
import { type DeliveryStatus, failureText, type PaywallDelivery } from '../analytics/status.ts'
import type { LiveConfig } from '../config/live.ts'
import type { ConfigIssue } from '../config/load.ts'
import type { Logger } from '../log.ts'
import { type AnalyticsChange, applyChange, issuePath, type PaywallView, paywallView } from './settings.ts'
import { testEvent } from './test-event.ts'

/** How long the test event waits for PostHog's answer. */
export const TEST_EVENT_TIMEOUT_MS = 10_000

export interface AdminServices {
  live: LiveConfig
  delivery: Pick<PostHogDelivery, 'deliverNow' | 'waiting'>
  status: DeliveryStatus
  log: Logger
  libVersion: string
  testEventTimeoutMs?: number
}

export interface PaywallReport extends PaywallView {
  delivery: PaywallDelivery
}

export type SaveOutcome =
  | { ok: true; paywall: PaywallReport }
  /** `issues` paths name the change's fields (`posthog.apiKey`) where they concern this paywall. */
  | { ok: false; status: 400 | 404 | 409 | 500; message: string; issues: ConfigIssue[] }

export type TestEventOutcome =
  | { delivered: true; uuid: string }
  | { delivered: false; status: 404 | 409 | 502 | 503 | 504; error: string; uuid: string | null }

export class Admin {
  constructor(private readonly services: AdminServices) {}

  get editable(): boolean {
    return this.services.live.editable
  }

  list(): PaywallReport[] {
    const report = this.services.status.report(this.services.delivery.waiting())
    return this.services.live.state.config.paywalls.map((p) => ({ ...paywallView(p), delivery: report(p.id) }))
  }

  get(id: string): PaywallReport | null {
    const paywall = this.services.live.state.config.paywalls.find((p) => p.id === id)
    if (!paywall) return null
    return { ...paywallView(paywall), delivery: this.services.status.report(this.services.delivery.waiting())(id) }
  }

  async save(id: string, change: AnalyticsChange): Promise<SaveOutcome> {
    const index = this.services.live.state.config.paywalls.findIndex((p) => p.id === id)
    if (index < 0) return { ok: false, status: 404, message: `No paywall "${id}".`, issues: [] }
    const result = await this.services.live.save((raw, current) => applyChange(raw, current, id, change))
    if (result.ok) {
      const paywall = this.get(id)
      if (paywall) return { ok: true, paywall }
      return { ok: false, status: 404, message: `No paywall "${id}" after the save.`, issues: [] }
    }
    if (result.reason === 'invalid') {
      const issues = result.issues.map((issue) => ({ ...issue, path: issuePath(issue.path, index) }))
      return { ok: false, status: 400, message: 'The settings were not saved: fix the fields named in `issues`.', issues }
    }
    if (result.reason === 'io') this.services.log('error', 'admin: config save failed', { error: result.message })
    return { ok: false, status: result.reason === 'no-file' ? 409 : 500, message: result.message, issues: [] }
  }

  /**
   * Sends a test `$ai_generation` with the paywall's saved settings through the spool and delivery, like
   * live traffic, and waits (bounded) for PostHog's answer.
   */
  async sendTestEvent(id: string): Promise<TestEventOutcome> {
    const paywall = this.services.live.state.config.paywalls.find((p) => p.id === id)
    if (!paywall) return { delivered: false, status: 404, error: `No paywall "${id}".`, uuid: null }
    const { apiKey, host } = paywall.posthog
    if (!apiKey) return { delivered: false, status: 409, error: 'No Project API Key is saved for this paywall: save one first.', uuid: null }
    const event = testEvent(paywall, this.services.libVersion, new Date())
    const outcome = this.services.status.outcomeOf(event.uuid, this.services.testEventTimeoutMs ?? TEST_EVENT_TIMEOUT_MS)
    const { spooled } = await this.services.delivery.deliverNow({ host, apiKey }, event)
    if (spooled === 0) return { delivered: false, status: 503, error: 'The analytics spool refused the event (full or not writable): see /metrics and the logs.', uuid: event.uuid }
    const settled = await outcome
    this.services.log('info', 'admin: test event', { paywall: id, uuid: event.uuid, outcome: settled?.kind ?? 'timeout' })
    if (settled === null) {
      const seconds = (this.services.testEventTimeoutMs ?? TEST_EVENT_TIMEOUT_MS) / 1000
      return { delivered: false, status: 504, error: `PostHog did not answer within ${seconds} s; the event stays spooled and is retried.`, uuid: event.uuid }
    }
    if (settled.kind === 'delivered') return { delivered: true, uuid: event.uuid }
    const error = settled.kind === 'dead-lettered' ? settled.reason : `${failureText(settled)} (the event stays spooled and is retried)`
    return { delivered: false, status: 502, error, uuid: event.uuid }
  }
}
