/**
 * For the admin tests: the whole app in-process as the entry files bootstrap it (config file on disk,
 * file spool, delivery), between a fake OpenAI upstream and a fake PostHog, driven with `app.request`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KEYS, SECRETS, testConfig } from '../../test/harness/config.ts'
import { type FakeOpenAI, startFakeOpenAI } from '../../test/fakes/openai-upstream.ts'
import { type FakePostHog, startFakePostHog } from '../../test/fakes/posthog-capture.ts'
import { diskConfigFile } from '../adapters/config-file.ts'
import { openFileSpool } from '../analytics/spool/file-spool.ts'
import { bootstrap, type Proxy, readConfig } from '../bootstrap.ts'
import { jsonLogger } from '../log.ts'

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789'

export interface AdminFixture {
  proxy: Proxy
  posthog: FakePostHog
  upstream: FakeOpenAI
  configPath: string
  logs: string[]
  /** `app.request` with the admin token as Bearer, from address `address`. */
  api(path: string, init?: RequestInit & { token?: string; address?: string }): Promise<Response>
  /** A chat completion for user `u1` with the main paywall's client key; its request id. */
  chat(): Promise<string>
  readConfigFile(): Promise<any>
  stop(): Promise<void>
}

export interface FixtureOptions {
  /** Changes the test config (the harness's, with the admin token set) before it is written. */
  edit?: (config: ReturnType<typeof testConfig>) => void
  env?: Record<string, string>
  /** Build the config from `env` alone, with no file. */
  fromEnv?: boolean
}

export async function startAdminFixture(options: FixtureOptions = {}): Promise<AdminFixture> {
  const [posthog, upstream] = await Promise.all([startFakePostHog(), startFakeOpenAI()])
  const dir = await mkdtemp(join(tmpdir(), 'openstack-admin-'))
  const config = testConfig({ upstreamUrl: upstream.url, posthogUrl: posthog.url, server: { adminToken: ADMIN_TOKEN } })
  const withSpool = { ...config, analytics: { ...config.analytics, spoolDir: join(dir, 'spool') } }
  options.edit?.(withSpool)
  const configPath = join(dir, 'openstack.config.json')
  const text = options.fromEnv ? null : JSON.stringify(withSpool, null, 2)
  if (text !== null) await writeFile(configPath, text)
  const env = options.env ?? {}
  const loaded = readConfig(text, env, configPath)
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'))
  const logs: string[] = []
  const started = await bootstrap(loaded.config, {
    log: jsonLogger((line) => logs.push(line)),
    openSpool: openFileSpool,
    spoolDir: join(dir, 'spool'),
    configSource: { file: text === null ? null : diskConfigFile(configPath), text, env },
    clientAddress: (c) => c.req.header('x-test-address'),
  })
  if (!started.ok) throw new Error(started.errors.join('\n'))
  const { proxy } = started
  return {
    proxy,
    posthog,
    upstream,
    configPath,
    logs,
    api: (path, init = {}) => {
      const { token = ADMIN_TOKEN, address = '203.0.113.1', ...rest } = init
      const headers = new Headers(rest.headers)
      if (token) headers.set('authorization', `Bearer ${token}`)
      headers.set('x-test-address', address)
      if (rest.body !== undefined) headers.set('content-type', 'application/json')
      return Promise.resolve(proxy.app.request(path, { ...rest, headers }))
    },
    chat: async () => {
      const response = await proxy.app.request('/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.main}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', user: 'u1', messages: [{ role: 'user', content: 'Hi' }] }),
      })
      if (response.status !== 200) throw new Error(`chat: ${response.status} ${await response.text()}`)
      return response.headers.get('x-openstack-request-id') ?? ''
    },
    readConfigFile: async () => JSON.parse(await readFile(configPath, 'utf8')),
    stop: async () => {
      await proxy.flush(2_000)
      await Promise.all([posthog.close(), upstream.close()])
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Every secret the test config holds: none may appear in an admin answer or a log. */
export const ALL_SECRETS = [...Object.values(SECRETS), ...Object.values(KEYS), ADMIN_TOKEN]
