import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_TEXT, type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-upstream.ts'
import { type FakePostHog, startFakePostHog } from '../fakes/posthog-capture.ts'
import { KEYS, testConfig } from '../harness/config.ts'
import { freePort } from '../harness/ports.ts'
import { startProxy } from '../harness/proxy-process.ts'

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function chat(baseUrl: string, user: string) {
  const response = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.main}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ model: 'gpt-4o-mini', user, messages: [{ role: 'user', content: 'hi' }] }),
  })
  const body = (await response.json()) as { choices: Array<{ message: { content: string } }> }
  return body.choices[0]?.message.content
}

describe('one port, several processes', () => {
  let upstream: FakeOpenAI
  let posthog: FakePostHog
  beforeAll(async () => {
    ;[upstream, posthog] = await Promise.all([startFakeOpenAI(), startFakePostHog()])
  })
  afterAll(async () => {
    await Promise.all([upstream?.close(), posthog?.close()])
  })

  it('Node: server.workers runs that many processes on the port, and SIGTERM stops them all with every event sent', async () => {
    const config = testConfig({ upstreamUrl: upstream.url, posthogUrl: posthog.url, server: { workers: 2 } })
    // Only shutdown sends, so this also proves every worker flushes on the way out.
    const proxy = await startProxy({ runtime: 'node', config: { ...config, analytics: { flushAt: 100, flushIntervalMs: 600_000 } } })
    await proxy.waitForLog((_, json) => proxy.logJson().filter((l) => l.msg === 'listening').length === 2 && json !== null)
    const workers = proxy.logJson().filter((line) => line.msg === 'listening').map((line) => line.pid as number)
    expect(new Set(workers).size).toBe(2)

    const users = Array.from({ length: 8 }, (_, i) => `cluster-user-${i}`)
    expect(await Promise.all(users.map((user) => chat(proxy.url, user)))).toEqual(users.map(() => FAKE_TEXT))
    expect(await proxy.stop()).toBe(0)
    expect(workers.filter(isRunning)).toEqual([])
    const events = await posthog.waitForEvents(users.length)
    expect(events.map((event) => event.distinct_id).sort()).toEqual([...users].sort())
  })

  it('Deno: server.reusePort lets two processes serve one port', async () => {
    const port = String(await freePort())
    const config = testConfig({ upstreamUrl: upstream.url, posthogUrl: posthog.url, server: { reusePort: true } })
    const first = await startProxy({ runtime: 'deno', config, env: { PORT: port } })
    const second = await startProxy({ runtime: 'deno', config, env: { PORT: port } })
    try {
      expect(first.url).toBe(second.url)
      expect(await chat(first.url, 'deno-reuse-user')).toBe(FAKE_TEXT)
    } finally {
      await Promise.all([first.stop(), second.stop()])
    }
  })
})
