/**
 * The admin API against the real proxy process: a save rewrites the config file and applies without a
 * restart, on Node and Deno, and in every Node cluster worker.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-upstream.ts'
import { type FakePostHog, startFakePostHog } from '../fakes/posthog-capture.ts'
import { KEYS, SECRETS, testConfig } from '../harness/config.ts'
import { type RunningProxy, runtimes, startProxy } from '../harness/proxy-process.ts'

const ADMIN_TOKEN = 'admin-token-reload-test-0123456789'
const NEW_KEY = 'phc_saved_through_the_admin_api_9876'

let upstream: FakeOpenAI
let posthog: FakePostHog
let proxy: RunningProxy | null = null
beforeAll(async () => {
  ;[upstream, posthog] = await Promise.all([startFakeOpenAI(), startFakePostHog()])
})
afterEach(async () => {
  await proxy?.stop()
  proxy = null
  posthog.reset()
})
afterAll(async () => {
  await Promise.all([upstream?.close(), posthog?.close()])
})

async function start(runtime: 'node' | 'deno', server: Record<string, unknown> = {}) {
  const config = testConfig({ upstreamUrl: upstream.url, posthogUrl: posthog.url, server: { adminToken: ADMIN_TOKEN, ...server } })
  proxy = await startProxy({ runtime, config })
  return proxy
}

async function chat(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    // A new connection each time, so cluster workers take turns.
    headers: { authorization: `Bearer ${KEYS.main}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ model: 'gpt-4o-mini', user: 'u1', messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(response.status).toBe(200)
  return response.headers.get('x-openstack-request-id') ?? ''
}

function put(url: string, body: unknown) {
  return fetch(`${url}/admin/api/paywalls/pw_main`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify(body),
  })
}

const eventFor = (requestId: string) => posthog.waitForEvent((e) => e.properties.openstack_request_id === requestId, 10_000)

describe.each(runtimes)('admin save on %s', (runtime) => {
  it('writes the config file and applies it to the next request without a restart; a change to the file by hand applies too', async () => {
    const p = await start(runtime)
    expect(await (await fetch(`${p.url}/admin`)).text()).toContain('<label for="token">Admin token</label>')
    expect((await eventFor(await chat(p.url))).api_key).toBe(SECRETS.posthog)
    const saved = await put(p.url, { posthog: { apiKey: NEW_KEY, projectId: '555' } })
    expect(saved.status).toBe(200)
    const file = JSON.parse(await readFile(p.configPath, 'utf8'))
    expect(file.paywalls[0].posthog).toMatchObject({ apiKey: NEW_KEY, projectId: '555' })
    const after = await eventFor(await chat(p.url))
    expect(after.api_key).toBe(NEW_KEY)
    expect(after.properties.openstack_project_id).toBe('555')
    // Another process (or a person) edits the file: this one picks it up.
    expect(p.logs().join('\n')).not.toContain('config file changed')
    file.paywalls[0].posthog.projectId = '556'
    await writeFile(p.configPath, JSON.stringify(file))
    await p.waitForLog('config file changed: reloaded')
    expect((await eventFor(await chat(p.url))).properties.openstack_project_id).toBe('556')
    for (const secret of [NEW_KEY, ...Object.values(SECRETS), ADMIN_TOKEN]) expect(p.logs().join('\n')).not.toContain(secret)
  })
})

describe.runIf(runtimes.includes('node'))('admin save with Node cluster workers', () => {
  it('applies in every worker: the one that saved, and the others through the file', async () => {
    const p = await start('node', { workers: 2 })
    await expect.poll(() => p.logJson().filter((l) => l.msg === 'listening').length).toBe(2)
    expect((await put(p.url, { posthog: { apiKey: NEW_KEY } })).status).toBe(200)
    await p.waitForLog('config saved and in force')
    await p.waitForLog('config file changed: reloaded and in force')
    const requestIds = []
    for (let i = 0; i < 6; i++) requestIds.push(await chat(p.url))
    const events = await Promise.all(requestIds.map(eventFor))
    expect(events.map((e) => e.api_key)).toEqual(requestIds.map(() => NEW_KEY))
  })
})
