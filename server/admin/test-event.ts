import { uuidv7 } from 'uuidv7'
import { buildGenerationEvent } from '../../shared/event/build.ts'
import type { PostHogEvent } from '../../shared/event/types.ts'
import type { PaywallConfig } from '../config/schema.ts'

/** The property that tells a test event from live traffic in PostHog. */
export const TEST_EVENT_MARKER = 'openstack_test_event'
export const TEST_EVENT_MODEL = 'openstack-test-event'

/**
 * A `$ai_generation` built like live traffic's, for the paywall's saved PostHog settings: personless
 * (no person is created for it), with the marker property set.
 */
export function testEvent(paywall: PaywallConfig, libVersion: string, now: Date): PostHogEvent {
  const id = uuidv7()
  const text = 'Test event from the OpenStack admin page'
  const event = buildGenerationEvent({
    eventName: '$ai_generation',
    uuid: id,
    startedAt: now,
    distinctId: null,
    provider: 'openstack',
    requestedModel: TEST_EVENT_MODEL,
    baseUrl: '',
    requestUrl: '',
    input: [{ role: 'user', content: text }],
    tools: null,
    modelParameters: {},
    stream: false,
    completion: {
      id: null,
      model: TEST_EVENT_MODEL,
      choices: [{ role: 'assistant', content: [{ type: 'text', text }] }],
      stopReason: 'stop',
      usage: null,
    },
    cost: null,
    httpStatus: 200,
    error: null,
    latencySeconds: 0,
    timeToFirstTokenSeconds: null,
    traceId: id,
    sessionId: null,
    spanName: 'admin test event',
    customProperties: {},
    paywallId: paywall.id,
    projectId: paywall.posthog.projectId ?? null,
    requestId: id,
    privacyMode: paywall.posthog.privacyMode,
    libVersion,
  })
  event.properties[TEST_EVENT_MARKER] = true
  return event
}
