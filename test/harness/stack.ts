import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import OpenAI from 'openai'
import { type FakeAnthropic, startFakeAnthropic } from '../fakes/anthropic-upstream.ts'
import { type FakeGemini, startFakeGemini } from '../fakes/gemini-upstream.ts'
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-upstream.ts'
import { type CapturedEvent, type FakePostHog, startFakePostHog } from '../fakes/posthog-capture.ts'
import { KEYS, SECRETS, testConfig } from './config.ts'
import { type RunningProxy, type Runtime, startProxy } from './proxy-process.ts'

/** The real proxy on one runtime, between a fake upstream and a fake PostHog. */
export interface Stack {
  upstream: FakeOpenAI
  anthropic: FakeAnthropic
  gemini: FakeGemini
  posthog: FakePostHog
  proxy: RunningProxy
  /** The official OpenAI client pointed at the proxy (no retries, so each call is one request). */
  client(apiKey?: string, baseURL?: string): OpenAI
  /** The official Anthropic client pointed at the proxy (its key goes in `x-api-key`). */
  anthropicClient(apiKey?: string, baseURL?: string): Anthropic
  /** The official Google Gen AI client pointed at the proxy (its key goes in `x-goog-api-key`). */
  geminiClient(apiKey?: string, baseUrl?: string): GoogleGenAI
  /** The event PostHog received for the request with this `X-Openstack-Request-Id`. */
  eventFor(requestId: string | null): Promise<CapturedEvent>
  stop(): Promise<void>
}

export async function startStack(runtime: Runtime, server?: Record<string, unknown>): Promise<Stack> {
  const [upstream, anthropic, gemini, posthog] = await Promise.all([
    startFakeOpenAI(),
    startFakeAnthropic(),
    startFakeGemini({ apiKey: SECRETS.gemini }),
    startFakePostHog(),
  ])
  const config = testConfig({ upstreamUrl: upstream.url, anthropicUrl: anthropic.url, geminiUrl: gemini.url, posthogUrl: posthog.url, server })
  const proxy = await startProxy({ runtime, config })
  return {
    upstream,
    anthropic,
    gemini,
    posthog,
    proxy,
    client: (apiKey = KEYS.main, baseURL = `${proxy.url}/v1`) => new OpenAI({ apiKey, baseURL, maxRetries: 0 }),
    anthropicClient: (apiKey = KEYS.main, baseURL = proxy.url) => new Anthropic({ apiKey, baseURL, maxRetries: 0 }),
    geminiClient: (apiKey = KEYS.main, baseUrl = proxy.url) => new GoogleGenAI({ apiKey, httpOptions: { baseUrl } }),
    eventFor: (requestId) => {
      if (!requestId) throw new Error('the response had no X-Openstack-Request-Id')
      return posthog.waitForEvent((event) => event.properties.openstack_request_id === requestId)
    },
    stop: async () => {
      await proxy.stop()
      await Promise.all([upstream.close(), anthropic.close(), gemini.close(), posthog.close()])
    },
  }
}
