import { afterEach, describe, expect, it } from 'vitest'
import { SECRETS } from '../../test/harness/config.ts'
import { freePort } from '../../test/harness/ports.ts'
import { ADMIN_TOKEN, ALL_SECRETS, type AdminFixture, type FixtureOptions, startAdminFixture } from './fixture.ts'
import { TEST_EVENT_MARKER } from './test-event.ts'

let fixture: AdminFixture | null = null
async function start(options?: FixtureOptions) {
  fixture = await startAdminFixture(options)
  return fixture
}
afterEach(async () => {
  await fixture?.stop()
  fixture = null
})

const put = (f: AdminFixture, id: string, body: unknown) => f.api(`/admin/api/paywalls/${id}`, { method: 'PUT', body: JSON.stringify(body) })

function expectNoSecrets(text: string) {
  for (const secret of ALL_SECRETS) expect(text).not.toContain(secret)
}

describe('admin API', () => {
  it('answers a clear 404, pages and API alike, when server.adminToken is not set', async () => {
    const f = await start({ edit: (config) => delete (config.server as Record<string, unknown>).adminToken })
    for (const path of ['/admin', '/admin/api/paywalls', '/admin/paywalls/pw_main']) {
      const response = await f.api(path)
      expect(response.status).toBe(404)
      expect(await response.text()).toContain('set server.adminToken')
    }
  })

  it('needs the admin token as Bearer', async () => {
    const f = await start()
    expect((await f.api('/admin/api/paywalls', { token: '' })).status).toBe(401)
    const wrong = await f.api('/admin/api/paywalls', { token: 'not-the-token' })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer')
    expect((await f.api('/admin/api/paywalls')).status).toBe(200)
  })

  it('locks an address out after 10 wrong tokens, even for the right one, and not other addresses', async () => {
    const f = await start()
    for (let i = 0; i < 10; i++) expect((await f.api('/admin/api/paywalls', { token: `guess-${i}` })).status).toBe(401)
    const locked = await f.api('/admin/api/paywalls')
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800)
    expect((await f.api('/admin/api/paywalls', { address: '203.0.113.2' })).status).toBe(200)
  })

  it('lists the paywalls with the PostHog key masked and no secret anywhere', async () => {
    const f = await start()
    const response = await f.api('/admin/api/paywalls')
    const text = await response.text()
    expectNoSecrets(text)
    const { paywalls } = JSON.parse(text)
    expect(paywalls.map((p: { id: string }) => p.id)).toEqual(['pw_main', 'pw_privacy', 'pw_anonymous', 'pw_require_user', 'pw_no_default'])
    expect(paywalls[0]).toMatchObject({
      id: 'pw_main',
      requireUser: false,
      posthog: { enabled: true, apiKeyHint: `phc_…${SECRETS.posthog.slice(-4)}`, host: f.posthog.url, projectId: '4242' },
      llmAnalyticsUrl: `${f.posthog.url}/project/4242/llm-analytics`,
      delivery: { delivered: 0, pending: 0, deadLettered: 0, lastError: null },
    })
    expect((await f.api('/admin/api/paywalls/nope')).status).toBe(404)
  })

  it('saves settings to the file atomically, keeps ${VAR} references in unchanged fields, and applies them to the next request', async () => {
    const f = await start({
      env: { PH_KEY: SECRETS.posthog },
      edit: (config) => {
        ;(config.paywalls[0]!.posthog as { apiKey: string }).apiKey = '${PH_KEY}'
      },
    })
    const response = await put(f, 'pw_main', { posthog: { apiKey: '', projectId: '777', privacyMode: true }, requireUser: true })
    expect(response.status).toBe(200)
    const body = await response.text()
    expectNoSecrets(body)
    expect(JSON.parse(body)).toMatchObject({ requireUser: true, posthog: { projectId: '777', privacyMode: true, apiKeyHint: `phc_…${SECRETS.posthog.slice(-4)}` } })
    const file = await f.readConfigFile()
    expect(file.paywalls[0].posthog).toMatchObject({ apiKey: '${PH_KEY}', projectId: '777', privacyMode: true, host: f.posthog.url })
    expect(file.paywalls[0].requireUser).toBe(true)
    // The next request runs under the new config: privacy mode on, user now required.
    const requestId = await f.chat()
    const event = await f.posthog.waitForEvent((e) => e.properties.openstack_request_id === requestId)
    expect(event.properties).toMatchObject({ $ai_input: null, openstack_project_id: '777' })
    const noUser = await f.proxy.app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test-main', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    })
    expect(noUser.status).toBe(400)
  })

  it('lets a request in flight finish under the config it started with', async () => {
    const f = await start()
    const response = await f.proxy.app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test-main', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', user: 'u1', stream: true, messages: [{ role: 'user', content: 'scenario:slow-chunks' }] }),
    })
    const reader = response.body!.getReader()
    await reader.read()
    // Saved while the stream is still going (its chunks come 80 ms apart).
    expect((await put(f, 'pw_main', { posthog: { privacyMode: true, projectId: '999' } })).status).toBe(200)
    while (!(await reader.read()).done);
    const inFlight = await f.posthog.waitForEvent((e) => e.properties.openstack_request_id === response.headers.get('x-openstack-request-id'))
    expect(inFlight.properties).toMatchObject({ openstack_project_id: '4242', $ai_input: [{ role: 'user', content: 'scenario:slow-chunks' }] })
    const next = await f.chat()
    expect((await f.posthog.waitForEvent((e) => e.properties.openstack_request_id === next)).properties).toMatchObject({ openstack_project_id: '999', $ai_input: null })
  })

  it('sends events spooled for the old key to the old key, and new ones to the new key and host', async () => {
    const f = await start()
    // PostHog is down: the first event waits in the spool for the old key.
    f.posthog.failFor(503, 60_000)
    const before = await f.chat()
    await expect.poll(() => f.posthog.requests.length).toBeGreaterThan(0)
    const response = await put(f, 'pw_main', { posthog: { apiKey: 'phc_brand_new_key_1234', host: `${f.posthog.url}/` } })
    expect(response.status).toBe(200)
    expect((await response.json()).posthog.apiKeyHint).toBe('phc_…1234')
    f.posthog.failFor(503, 0)
    const after = await f.chat()
    const [old, fresh] = await Promise.all([
      f.posthog.waitForEvent((e) => e.properties.openstack_request_id === before, 15_000),
      f.posthog.waitForEvent((e) => e.properties.openstack_request_id === after, 15_000),
    ])
    expect(old.api_key).toBe(SECRETS.posthog)
    expect(fresh.api_key).toBe('phc_brand_new_key_1234')
  })

  it('refuses invalid settings with the field path, the same schema as the config file, and leaves the file alone', async () => {
    const f = await start({ edit: (config) => delete (config.paywalls[1]!.posthog as Record<string, unknown>).apiKey && (config.paywalls[1]!.posthog.enabled = false) })
    const before = await f.readConfigFile()
    const noKey = await put(f, 'pw_privacy', { posthog: { enabled: true } })
    expect(noKey.status).toBe(400)
    expect((await noKey.json()).issues).toEqual([{ path: 'posthog.apiKey', message: 'required when enabled' }])
    const badHost = await put(f, 'pw_main', { posthog: { host: 'not a url', enabled: 'yes' }, extra: 1 })
    expect((await badHost.json()).issues).toEqual([{ path: 'extra', message: expect.stringContaining('not an analytics setting') }])
    const badValues = await (await put(f, 'pw_main', { posthog: { host: 'not a url', enabled: 'yes' } })).json()
    expect(badValues.issues.map((i: { path: string }) => i.path).sort()).toEqual(['posthog.enabled', 'posthog.host'])
    expect((await put(f, 'pw_main', { posthog: { color: 'red' } })).status).toBe(400)
    expect((await f.api('/admin/api/paywalls/pw_main', { method: 'PUT', body: '{nope' })).status).toBe(400)
    expect((await put(f, 'nope', {})).status).toBe(404)
    expect(await f.readConfigFile()).toEqual(before)
  })

  it('cannot save a config built from the environment, and says so', async () => {
    const f = await start({ fromEnv: true, env: { OPENSTACK_API_KEY: 'sk-env', OPENAI_API_KEY: 'sk-x', OPENSTACK_ADMIN_TOKEN: ADMIN_TOKEN } })
    const response = await put(f, 'default', { posthog: { projectId: '1' } })
    expect(response.status).toBe(409)
    expect((await response.json()).error.message).toContain('environment variables')
  })

  it('sends a marked test event through the spool and says Delivered once PostHog accepted it', async () => {
    const f = await start()
    const response = await f.api('/admin/api/paywalls/pw_main/test-event', { method: 'POST' })
    expect(response.status).toBe(200)
    const { delivered, uuid } = await response.json()
    expect(delivered).toBe(true)
    const event = f.posthog.events.find((e) => e.uuid === uuid)
    expect(event).toMatchObject({ event: '$ai_generation', api_key: SECRETS.posthog, properties: { [TEST_EVENT_MARKER]: true, openstack_paywall_id: 'pw_main' } })
    const status = await (await f.api('/admin/api/paywalls/pw_main')).json()
    expect(status.delivery).toMatchObject({ delivered: 1, pending: 0, deadLettered: 0 })
  })

  it("shows PostHog's error for a refused key, and the dead letter in the paywall's status", async () => {
    const f = await start()
    f.posthog.failNext(401)
    const response = await f.api('/admin/api/paywalls/pw_main/test-event', { method: 'POST' })
    expect(response.status).toBe(502)
    const body = await response.json()
    expect(body).toMatchObject({ delivered: false, error: { message: expect.stringMatching(/^PostHog refused the project key \(HTTP 401\)/) } })
    const { delivery } = await (await f.api('/admin/api/paywalls/pw_main')).json()
    expect(delivery).toMatchObject({ delivered: 0, deadLettered: 1, lastError: { message: expect.stringContaining('HTTP 401'), at: expect.any(String) } })
  })

  it('says when the PostHog host is unreachable', async () => {
    const f = await start()
    expect((await put(f, 'pw_main', { posthog: { host: `http://127.0.0.1:${await freePort()}` } })).status).toBe(200)
    const response = await f.api('/admin/api/paywalls/pw_main/test-event', { method: 'POST' })
    expect(response.status).toBe(502)
    expect((await response.json()).error.message).toMatch(/^PostHog unreachable: .*ECONNREFUSED.*stays spooled/)
    const { delivery } = await (await f.api('/admin/api/paywalls/pw_main')).json()
    expect(delivery).toMatchObject({ pending: 1, lastError: { message: expect.stringContaining('unreachable') } })
    expectNoSecrets(f.logs.join('\n'))
  })
})
