/**
 * The admin page in a real headless Chromium (Debian's, driven by playwright-core), against the real proxy
 * process: sign in, turn PostHog on with a key and a Project ID, send the test event, then live traffic.
 * `UPDATE_SCREENSHOT=1` also writes the Analytics page to docs/admin-analytics.png (the README shows it).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeOpenAI, startFakeOpenAI } from '../../fakes/openai-upstream.ts'
import { type FakePostHog, startFakePostHog } from '../../fakes/posthog-capture.ts'
import { KEYS, testConfig } from '../../harness/config.ts'
import { repoRoot, type RunningProxy, runtimes, startProxy } from '../../harness/proxy-process.ts'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const ADMIN_TOKEN = 'admin-token-browser-test-0123456789'
const PROJECT_KEY = 'phc_typed_in_the_admin_page_WXYZ'

let upstream: FakeOpenAI
let posthog: FakePostHog
let proxy: RunningProxy
let browser: Browser

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`)
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true })
})

afterAll(async () => {
  await browser?.close()
})

async function signedInPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 900, height: 1100 } })
  await page.goto(`${proxy.url}/admin`)
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('link', { name: 'pw_main' }).click()
  await expect.poll(() => page.url()).toBe(`${proxy.url}/admin/paywalls/pw_main`)
  return page
}

async function chat(): Promise<string> {
  const response = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.main}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', user: 'browser-user', messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(response.status).toBe(200)
  return response.headers.get('x-openstack-request-id') ?? ''
}

describe.each(runtimes)('admin page in Chromium, proxy on %s', (runtime) => {
  // Fresh fakes and proxy for each runtime: what the fake PostHog received comes from this run only.
  beforeAll(async () => {
    ;[upstream, posthog] = await Promise.all([startFakeOpenAI(), startFakePostHog()])
    const config = testConfig({ upstreamUrl: upstream.url, posthogUrl: posthog.url, server: { adminToken: ADMIN_TOKEN } })
    // The paywall under test starts with PostHog off and no key: the page is what turns it on.
    config.paywalls[0]!.posthog = { enabled: false } as (typeof config.paywalls)[0]['posthog']
    proxy = await startProxy({ runtime, config })
  })

  afterAll(async () => {
    await proxy?.stop()
    await Promise.all([upstream?.close(), posthog?.close()])
  })

  it('turns PostHog on, saves a key and a Project ID, delivers the test event, then live traffic without a restart', async () => {
    // Before: PostHog is off for the paywall, so a request produces no event.
    const before = await chat()
    const page = await signedInPage()
    await page.getByLabel('Enable PostHog').check()
    await page.getByLabel('Project API Key').fill(PROJECT_KEY)
    await page.getByLabel('PostHog host').selectOption({ label: 'Custom' })
    await page.getByLabel('Custom host URL').fill(posthog.url)
    await page.getByLabel('Project ID').fill('4242')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Saved')
    // Write-only: the field is empty again, and only phc_… and the last 4 characters show.
    expect(await page.getByLabel('Project API Key').inputValue()).toBe('')
    const html = await page.content()
    expect(html).toContain('phc_…WXYZ')
    expect(html).not.toContain(PROJECT_KEY)

    await page.getByRole('button', { name: 'Send test event' }).click()
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 12_000 }).toBe('Delivered')
    if (process.env.UPDATE_SCREENSHOT && runtime === 'node') await page.screenshot({ path: join(repoRoot, 'docs', 'admin-analytics.png'), fullPage: true })
    const testEvent = posthog.events.find((e) => e.properties.openstack_test_event === true)
    expect(testEvent).toMatchObject({ api_key: PROJECT_KEY, properties: { openstack_paywall_id: 'pw_main', openstack_project_id: '4242' } })

    const after = await chat()
    const live = await posthog.waitForEvent((e) => e.properties.openstack_request_id === after, 10_000)
    expect(live).toMatchObject({ api_key: PROJECT_KEY, distinct_id: 'browser-user', properties: { openstack_project_id: '4242' } })
    expect(posthog.events.some((e) => e.properties.openstack_request_id === before)).toBe(false)
    expect(await page.getByRole('link', { name: 'Open LLM analytics in PostHog' }).getAttribute('href')).toBe(`${posthog.url}/project/4242/llm-analytics`)
    await page.close()
  })

  it('has a label for every control and reaches each one with Tab, focus visible', async () => {
    const page = await signedInPage()
    const controls: Array<[label: string, id: string]> = [
      ['Enable PostHog', 'enabled'],
      ['Project API Key', 'apiKey'],
      ['PostHog host', 'host'],
      ['Custom host URL', 'customHost'],
      ['Project ID', 'projectId'],
      ['Privacy mode', 'privacyMode'],
      ['Require user', 'requireUser'],
      ['Anonymous fallback', 'anonymousFallback'],
    ]
    for (const [label, id] of controls) {
      const control = page.getByLabel(label, { exact: true })
      expect(await control.count(), label).toBe(1)
      expect(await control.getAttribute('id'), label).toBe(id)
    }
    expect(await page.getByLabel('PostHog host').locator('option').allTextContents()).toEqual(['US Cloud', 'EU Cloud', 'Custom'])

    // Tab from the top of the page: every control of the form, then both buttons, in order.
    const reached: string[] = []
    const outlines = new Map<string, string>()
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab')
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        if (!el || el === document.body) return null
        const style = getComputedStyle(el)
        return { key: el.id || el.textContent?.trim() || el.tagName, outline: `${style.outlineStyle} ${style.outlineWidth}` }
      })
      if (!focused) continue
      reached.push(focused.key)
      outlines.set(focused.key, focused.outline)
    }
    const expected = [...controls.map(([, id]) => id), 'Save', 'Send test event']
    // Twenty presses go round the page more than once: the order of first visits is what counts.
    expect([...new Set(reached)].filter((key) => expected.includes(key))).toEqual(expected)
    for (const key of expected) expect(outlines.get(key), key).toBe('solid 3px')
    await page.close()
  })
})
