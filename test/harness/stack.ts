import OpenAI from 'openai'
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-upstream.ts'
import { type CapturedEvent, type FakePostHog, startFakePostHog } from '../fakes/posthog-capture.ts'
import { KEYS, testConfig } from './config.ts'
import { type RunningProxy, type Runtime, startProxy } from './proxy-process.ts'

/** The real proxy on one runtime, between a fake upstream and a fake PostHog. */
export interface Stack {
  upstream: FakeOpenAI
  posthog: FakePostHog
  proxy: RunningProxy
  /** The official OpenAI client pointed at the proxy (no retries, so each call is one request). */
  client(apiKey?: string, baseURL?: string): OpenAI
  /** The event PostHog received for the request with this `X-Openstack-Request-Id`. */
  eventFor(requestId: string | null): Promise<CapturedEvent>
  stop(): Promise<void>
}

export async function startStack(runtime: Runtime, server?: Record<string, unknown>): Promise<Stack> {
  const [upstream, posthog] = await Promise.all([startFakeOpenAI(), startFakePostHog()])
  const proxy = await startProxy({ runtime, config: testConfig({ upstreamUrl: upstream.url, posthogUrl: posthog.url, server }) })
  return {
    upstream,
    posthog,
    proxy,
    client: (apiKey = KEYS.main, baseURL = `${proxy.url}/v1`) => new OpenAI({ apiKey, baseURL, maxRetries: 0 }),
    eventFor: (requestId) => {
      if (!requestId) throw new Error('the response had no X-Openstack-Request-Id')
      return posthog.waitForEvent((event) => event.properties.openstack_request_id === requestId)
    },
    stop: async () => {
      await proxy.stop()
      await Promise.all([upstream.close(), posthog.close()])
    },
  }
}
