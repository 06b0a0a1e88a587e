import { describe, expect, it } from 'vitest'
import { loadConfig } from './load.ts'

const minimal = {
  paywalls: [{ id: 'pw_demo', apiKeys: ['sk-openstack-demo'], providers: { openai: { apiKey: '${OPENAI_API_KEY}' } } }],
}

function load(config: unknown, env: Record<string, string> = {}) {
  return loadConfig(JSON.stringify(config), env)
}

describe('loadConfig', () => {
  it('fills the documented defaults', () => {
    const result = load(minimal, { OPENAI_API_KEY: 'sk-real' })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.config.server).toMatchObject({ port: 8787, hostname: '127.0.0.1', maxBodyBytes: 10485760 })
    expect(result.config.analytics.spoolDir).toBe('./data/spool')
    expect(result.config.paywalls[0]).toMatchObject({
      requireUser: false,
      passthroughClientKeys: false,
      posthog: { enabled: false, host: 'https://us.i.posthog.com', privacyMode: false, anonymousFallback: false },
      pricing: {},
    })
  })

  it('replaces ${VAR} in any string from the environment', () => {
    const result = load(minimal, { OPENAI_API_KEY: 'sk-real' })
    expect(result.ok && result.config.paywalls[0]?.providers.openai?.apiKey).toBe('sk-real')
  })

  it('names the exact path of an error, and the unset variable behind it', () => {
    const result = load(minimal, {})
    expect(result).toEqual({
      ok: false,
      errors: ['paywalls[0].providers.openai.apiKey: required (environment variable OPENAI_API_KEY is not set)'],
    })
  })

  it('requires a PostHog key when PostHog is enabled', () => {
    const config = structuredClone(minimal) as { paywalls: Array<Record<string, unknown>> }
    config.paywalls[0]!.posthog = { enabled: true }
    const result = load(config, { OPENAI_API_KEY: 'k' })
    expect(result).toEqual({ ok: false, errors: ['paywalls[0].posthog.apiKey: required when enabled'] })
  })

  it('leaves an optional field whose variable is unset at its default', () => {
    const config = { ...minimal, server: { adminToken: '${OPENSTACK_ADMIN_TOKEN}' } }
    const result = load(config, { OPENAI_API_KEY: 'k' })
    expect(result.ok && result.config.server.adminToken).toBeUndefined()
  })

  it('rejects a defaultProvider that is not configured, unknown keys, and a key shared by two paywalls', () => {
    const config = {
      paywalls: [
        { id: 'a', apiKeys: ['same'], defaultProvider: 'openrouter', providers: {} },
        { id: 'b', apiKeys: ['same'], providers: {}, extra: true },
      ],
    }
    const result = load(config)
    expect(result.ok).toBe(false)
    const errors = result.ok ? [] : result.errors
    expect(errors).toContainEqual(expect.stringMatching(/^paywalls\[0\]\.defaultProvider: "openrouter" is not one of/))
    expect(errors).toContainEqual(expect.stringMatching(/^paywalls\[1\]: Unrecognized key: "extra"/))
    expect(errors).toContainEqual('paywalls[1].apiKeys[0]: this client key is already used by paywalls[0]')
    expect(errors.join('\n')).not.toContain('"same"')
  })

  it('reports malformed JSON with the file name', () => {
    expect(loadConfig('{ nope', {}, 'openstack.config.json')).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/^openstack\.config\.json: not valid JSON/)],
    })
  })

  it('lets PORT and HOST override the file', () => {
    const result = load(minimal, { OPENAI_API_KEY: 'k', PORT: '0', HOST: '0.0.0.0' })
    expect(result.ok && result.config.server).toMatchObject({ port: 0, hostname: '0.0.0.0' })
    expect(load(minimal, { OPENAI_API_KEY: 'k', PORT: 'http' })).toEqual({ ok: false, errors: ['PORT: "http" is not a port number'] })
  })

  it('builds one paywall "default" from the environment when there is no file', () => {
    const result = loadConfig(null, {
      OPENSTACK_API_KEY: 'sk-os',
      ANTHROPIC_API_KEY: 'sk-ant',
      OPENROUTER_API_KEY: 'sk-or',
      POSTHOG_API_KEY: 'phc_x',
      POSTHOG_HOST: 'https://eu.i.posthog.com',
      POSTHOG_PROJECT_ID: '12345',
    })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const paywall = result.config.paywalls[0]
    expect(paywall).toMatchObject({
      id: 'default',
      apiKeys: ['sk-os'],
      defaultProvider: 'anthropic',
      providers: { anthropic: { apiKey: 'sk-ant' }, openrouter: { apiKey: 'sk-or' } },
      posthog: { enabled: true, apiKey: 'phc_x', host: 'https://eu.i.posthog.com', projectId: '12345' },
    })
  })

  it('says what to set when there is neither a file nor OPENSTACK_API_KEY', () => {
    const result = loadConfig(null, { OPENAI_API_KEY: 'k' }, './openstack.config.json')
    expect(result).toMatchObject({ ok: false, errors: [expect.stringContaining('OPENSTACK_API_KEY is not set')] })
  })
})
