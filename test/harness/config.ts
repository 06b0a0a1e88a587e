/** Proxy configs for integration tests: one paywall per behaviour under test, all on local fakes. */

export const KEYS = {
  main: 'sk-test-main',
  privacy: 'sk-test-privacy',
  anonymous: 'sk-test-anonymous',
  requireUser: 'sk-test-require-user',
  noDefault: 'sk-test-no-default',
} as const

/** Upstream and PostHog secrets: tests assert they never reach a client, an event or a log. */
export const SECRETS = {
  openai: 'sk-upstream-secret-openai',
  openrouter: 'sk-or-upstream-secret',
  posthog: 'phc_test_secret_project_key',
  anthropic: 'sk-ant-upstream-secret',
  gemini: 'gemini-upstream-secret-key',
} as const

export interface TestConfigOptions {
  upstreamUrl: string
  /** Fake Anthropic and Gemini upstreams, configured as providers `anthropic` and `gemini` when given. */
  anthropicUrl?: string
  geminiUrl?: string
  posthogUrl: string
  /** Server settings merged over the test defaults. */
  server?: Record<string, unknown>
}

export function testConfig({ upstreamUrl, anthropicUrl, geminiUrl, posthogUrl, server }: TestConfigOptions) {
  const providers = {
    openai: { apiKey: SECRETS.openai, baseUrl: upstreamUrl },
    openrouter: { apiKey: SECRETS.openrouter, baseUrl: upstreamUrl },
    ...(anthropicUrl ? { anthropic: { apiKey: SECRETS.anthropic, baseUrl: anthropicUrl } } : {}),
    ...(geminiUrl ? { gemini: { apiKey: SECRETS.gemini, baseUrl: geminiUrl } } : {}),
  }
  const posthog = (extra: Record<string, unknown> = {}) => ({
    enabled: true,
    apiKey: SECRETS.posthog,
    host: posthogUrl,
    projectId: '4242',
    ...extra,
  })
  return {
    server: { maxBodyBytes: 1024 * 1024, upstreamTimeoutMs: 1500, ...server },
    // Send each event at once so tests wait on PostHog, not on a batch timer.
    analytics: { flushAt: 1, flushIntervalMs: 0 },
    paywalls: [
      { id: 'pw_main', apiKeys: [KEYS.main], defaultProvider: 'openai', providers, posthog: posthog() },
      { id: 'pw_privacy', apiKeys: [KEYS.privacy], defaultProvider: 'openai', providers, posthog: posthog({ privacyMode: true }) },
      { id: 'pw_anonymous', apiKeys: [KEYS.anonymous], defaultProvider: 'openai', providers, posthog: posthog({ anonymousFallback: true }) },
      { id: 'pw_require_user', apiKeys: [KEYS.requireUser], defaultProvider: 'openai', requireUser: true, providers, posthog: posthog() },
      { id: 'pw_no_default', apiKeys: [KEYS.noDefault], providers: { openai: providers.openai }, posthog: posthog() },
    ],
  }
}
