import { afterEach, describe, expect, it } from 'vitest'
import { SECRETS } from '../../test/harness/config.ts'
import { ADMIN_TOKEN, ALL_SECRETS, type AdminFixture, type FixtureOptions, startAdminFixture } from './fixture.ts'

let fixture: AdminFixture | null = null
afterEach(async () => {
  await fixture?.stop()
  fixture = null
})

/** A browser on the proxy's own origin: what Hono's csrf check expects of a form post. */
const ORIGIN = 'http://localhost'

async function start(options?: FixtureOptions) {
  fixture = await startAdminFixture(options)
  const f = fixture
  const request = (path: string, init: RequestInit = {}) => Promise.resolve(f.proxy.app.request(path, init))
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    request(path, { method: 'POST', body: new URLSearchParams(form), headers: { origin: ORIGIN, 'x-test-address': '198.51.100.7', ...headers } })
  const signIn = async () => {
    const response = await post('/admin/login', { token: ADMIN_TOKEN })
    expect(response.status).toBe(303)
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!
    const page = await (await request('/admin/paywalls/pw_main', { headers: { cookie } })).text()
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? ''
    return { cookie, csrf }
  }
  return { f, request, post, signIn }
}

describe('admin pages', () => {
  it('show the sign-in form, with strict security headers', async () => {
    const { request } = await start()
    const response = await request('/admin')
    const html = await response.text()
    expect(html).toMatch(/^<!DOCTYPE html>/)
    expect(html).toMatch(/<label for="token">Admin token<\/label>/)
    expect(html).toMatch(/<button type="submit">Sign in<\/button>/)
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toMatch(/script-src|unsafe-inline/)
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect((await request('/admin/style.css')).headers.get('content-type')).toMatch(/^text\/css/)
  })

  it('sign in with the admin token into an HttpOnly, SameSite=Strict cookie, Secure over https', async () => {
    const { post } = await start()
    const wrong = await post('/admin/login', { token: 'nope' })
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).toContain('Wrong admin token.')
    const right = await post('/admin/login', { token: ADMIN_TOKEN })
    expect(right.status).toBe(303)
    const cookie = right.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^openstack_admin=[^;]+; Max-Age=28800; Path=\/admin; HttpOnly; SameSite=Strict$/)
    expect(cookie).not.toContain(ADMIN_TOKEN)
    const https = await post('https://proxy.example/admin/login', { token: ADMIN_TOKEN }, { origin: 'https://proxy.example' })
    expect(https.headers.get('set-cookie')).toContain('; Secure')
  })

  it('refuse form posts from another origin, and forms without the session’s token', async () => {
    const { post, signIn } = await start()
    expect((await post('/admin/login', { token: ADMIN_TOKEN }, { origin: 'https://evil.example' })).status).toBe(403)
    const { cookie, csrf } = await signIn()
    expect(csrf).not.toBe('')
    const form = { enabled: 'on', host: 'us', projectId: '1' }
    expect((await post('/admin/paywalls/pw_main', form, { cookie })).status).toBe(403)
    expect((await post('/admin/paywalls/pw_main', { ...form, _csrf: 'forged' }, { cookie })).status).toBe(403)
    expect((await post('/admin/paywalls/pw_main', { ...form, _csrf: csrf }, { cookie: 'openstack_admin=1.forged' })).status).toBe(401)
  })

  it('lock the sign-in out after 10 wrong tokens from an address', async () => {
    const { post } = await start()
    for (let i = 0; i < 10; i++) expect((await post('/admin/login', { token: `guess-${i}` })).status).toBe(401)
    const locked = await post('/admin/login', { token: ADMIN_TOKEN })
    expect(locked.status).toBe(429)
    expect(await locked.text()).toContain('Too many wrong tokens')
  })

  it('list the paywalls by id and name, each linked', async () => {
    const { request, signIn } = await start({ edit: (config) => Object.assign(config.paywalls[0]!, { name: 'Main app' }) })
    const { cookie } = await signIn()
    const html = await (await request('/admin', { headers: { cookie } })).text()
    expect(html).toContain('<a href="/admin/paywalls/pw_main">pw_main (Main app)</a>')
    expect(html).toContain('<a href="/admin/paywalls/pw_privacy">pw_privacy</a>')
  })

  it('show the Analytics form with the contract labels, the key masked and no secret in the page', async () => {
    const { request, signIn } = await start()
    const { cookie } = await signIn()
    const html = await (await request('/admin/paywalls/pw_main', { headers: { cookie } })).text()
    for (const [id, label] of [
      ['enabled', 'Enable PostHog'],
      ['apiKey', 'Project API Key'],
      ['host', 'PostHog host'],
      ['customHost', 'Custom host URL'],
      ['projectId', 'Project ID'],
      ['privacyMode', 'Privacy mode'],
      ['requireUser', 'Require user'],
      ['anonymousFallback', 'Anonymous fallback'],
    ]) {
      expect(html).toContain(`<label for="${id}">${label}</label>`)
      expect(html).toMatch(new RegExp(`<(input|select)[^>]* id="${id}"`))
    }
    for (const option of ['US Cloud', 'EU Cloud', 'Custom']) expect(html).toMatch(new RegExp(`<option [^>]*>${option}</option>`))
    expect(html).toMatch(/<button type="submit">Save<\/button>/)
    expect(html).toMatch(/<button type="submit">Send test event<\/button>/)
    expect(html).toContain(`Saved: phc_…${SECRETS.posthog.slice(-4)}`)
    for (const secret of ALL_SECRETS) expect(html).not.toContain(secret)
  })

  it('save and say Saved; keep an empty key field from erasing the key', async () => {
    const { f, post, signIn } = await start()
    const { cookie, csrf } = await signIn()
    const response = await post('/admin/paywalls/pw_main', { _csrf: csrf, enabled: 'on', apiKey: '', host: 'eu', projectId: '31337', privacyMode: 'on' }, { cookie })
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toMatch(/<p class="ok" role="status">Saved<\/p>/)
    expect(html).toContain('<option value="eu" selected="">EU Cloud</option>')
    const file = await f.readConfigFile()
    expect(file.paywalls[0].posthog).toMatchObject({ enabled: true, apiKey: SECRETS.posthog, host: 'https://eu.i.posthog.com', projectId: '31337', privacyMode: true })
    expect(html).toContain('href="https://eu.posthog.com/project/31337/llm-analytics"')
  })

  it('show errors next to their fields and keep what the user typed', async () => {
    const { f, post, signIn } = await start({ edit: (config) => Object.assign(config.paywalls[0]!, { posthog: { enabled: false } }) })
    const before = await f.readConfigFile()
    const { cookie, csrf } = await signIn()
    const response = await post('/admin/paywalls/pw_main', { _csrf: csrf, enabled: 'on', apiKey: '', host: 'custom', customHost: 'not a url', projectId: '12' }, { cookie })
    expect(response.status).toBe(400)
    const html = await response.text()
    expect(html).not.toContain('>Saved<')
    expect(html).toMatch(/<input [^>]*id="apiKey"[^>]*aria-invalid="true"[^>]*aria-describedby="apiKey-error apiKey-hint"/)
    expect(html).toContain('<p class="error" id="apiKey-error">required when enabled</p>')
    expect(html).toMatch(/<p class="error" id="customHost-error">Invalid URL<\/p>/)
    expect(html).toMatch(/<input [^>]*value="12"[^>]*id="projectId"/)
    expect(await f.readConfigFile()).toEqual(before)
  })

  it('send the test event and say Delivered', async () => {
    const { f, post, signIn } = await start()
    const { cookie, csrf } = await signIn()
    const response = await post('/admin/paywalls/pw_main/test-event', { _csrf: csrf }, { cookie })
    expect(response.status).toBe(200)
    expect(await response.text()).toMatch(/<p class="ok" role="status">Delivered<\/p>/)
    expect(f.posthog.events.filter((e) => e.properties.openstack_test_event === true)).toHaveLength(1)
  })

  it('sign out', async () => {
    const { post, signIn } = await start()
    const { cookie, csrf } = await signIn()
    const response = await post('/admin/logout', { _csrf: csrf }, { cookie })
    expect(response.status).toBe(303)
    expect(response.headers.get('set-cookie')).toMatch(/^openstack_admin=; Max-Age=0; Path=\/admin/)
  })
})
