/**
 * The two entry files as a user runs them (SPEC §1, §6, §7): `npm start` and `deno task start` from the
 * repo root, PORT/HOST, configuration from the environment alone, refusing a bad config, and graceful
 * shutdown on SIGTERM/SIGINT (finish the stream in flight, flush PostHog, exit 0).
 *
 * `startProxy` (the shared harness) runs the proxy wherever it fits. The cases it cannot express (another
 * command than `node dist/node.js`, another cwd, a process that must fail to start) use `launch` below,
 * which has the same discipline: every process is stopped by its own PID (its process group for
 * `npm start` / `deno task start`, whose server runs as a grandchild), and every wait is bounded.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { Agent, get as httpGet, request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeOpenAI, FAKE_TEXT, type FakeOpenAI } from '../fakes/openai-upstream.ts'
import { startFakePostHog, type FakePostHog } from '../fakes/posthog-capture.ts'
import { KEYS, SECRETS, testConfig } from '../harness/config.ts'
import { makeTempDir, repoRoot, runtimes, startProxy, type RunningProxy, type Runtime } from '../harness/proxy-process.ts'

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

const DENO = join(repoRoot, 'node_modules', '.bin', 'deno')
/** `deno task start`'s own command line, so the tests run Deno with exactly the task's permissions. */
const DENO_TASK: string[] = JSON.parse(readFileSync(join(repoRoot, 'deno.json'), 'utf8')).tasks.start.split(/\s+/)
const STARTUP_MS = 30_000 // `npm start` builds first; Deno may compile on its first run
const SLOW = 60_000

type Exit = { code: number | null; signal: NodeJS.Signals | null }

/** Never let a developer's shell configure the proxy under test (same rule as the harness). */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue
    if (/^(OPENSTACK_|POSTHOG_)|^(OPENAI_|ANTHROPIC_|GEMINI_|GOOGLE_|OPENROUTER_)|^(PORT|HOST)$/.test(k)) continue
    env[k] = v
  }
  return { ...env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', ...extra }
}

function parseJson(line: string): Record<string, any> | null {
  if (!line.trim().startsWith('{')) return null
  try {
    return JSON.parse(line)
  } catch {
    return null
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

interface Launched {
  pid: number
  /** stdout and stderr lines, in arrival order. */
  lines: string[]
  exited: Promise<Exit>
  /** The URL of the `{"msg":"listening"}` line; rejects if the process exits first or after timeoutMs. */
  listening(timeoutMs?: number): Promise<string>
  /** Signals the PID (the whole group when launched with `group`), SIGKILL after 5 s, gives up after 10 s. */
  stop(signal?: NodeJS.Signals): Promise<Exit>
}

const launched = new Set<Launched>()
process.once('exit', () => {
  for (const p of launched) {
    try {
      process.kill(-p.pid, 'SIGKILL')
    } catch {
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
  }
})

/** Spawns a command; `group: true` makes it a process-group leader so its children are stopped with it. */
function launch(command: string, args: string[], opts: { cwd: string; env: Record<string, string>; group?: boolean }): Launched {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: opts.group ?? false, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const listeners = new Set<() => void>()
  for (const stream of [child.stdout, child.stderr]) {
    let partial = ''
    stream.setEncoding('utf8')
    stream.on('data', (data: string) => {
      const parts = (partial + data).split('\n')
      partial = parts.pop() ?? ''
      lines.push(...parts.map((l) => l.replace(/\r$/, '')))
      for (const l of [...listeners]) l()
    })
    stream.on('end', () => partial && lines.push(partial))
  }
  let exitInfo: Exit | null = null
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (err) => {
      lines.push(`spawn error: ${err.message}`)
      resolve((exitInfo = { code: null, signal: null }))
    })
    child.once('exit', (code, signal) => {
      // Let the pipes drain (for the last log lines), but never wait on them for long.
      const t = setTimeout(() => resolve((exitInfo = { code, signal })), 1000)
      child.once('close', () => {
        clearTimeout(t)
        resolve((exitInfo = { code, signal }))
      })
    })
  })
  const pid = child.pid ?? -1
  const target = opts.group ? -pid : pid
  const label = `${[command, ...args].join(' ')} (pid ${pid})`
  const output = () => lines.join('\n') || '(no output)'
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(target, s)
    } catch {
      // already gone
    }
  }
  const proc: Launched = {
    pid,
    lines,
    exited,
    listening(timeoutMs = STARTUP_MS) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const url = lines.map(parseJson).find((j) => j?.msg === 'listening')?.url
          if (typeof url === 'string') {
            done()
            resolve(url)
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`${label} did not log {"msg":"listening"} within ${timeoutMs} ms\n--- output ---\n${output()}`))
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        void exited.then((e) => {
          done()
          reject(new Error(`${label} exited (code ${e.code}, signal ${e.signal}) before listening\n--- output ---\n${output()}`))
        })
        check()
      })
    },
    async stop(s: NodeJS.Signals = 'SIGTERM') {
      if (exitInfo === null) {
        signal(s)
        const kill = setTimeout(() => signal('SIGKILL'), 5000)
        try {
          await withTimeout(exited, 10_000, `${label} after ${s}\n--- output ---\n${output()}`)
        } finally {
          clearTimeout(kill)
        }
      }
      launched.delete(proc)
      return exitInfo!
    },
  }
  launched.add(proc)
  return proc
}

/** The proxy entry for a runtime, run directly (not through npm or deno task). */
function entryCommand(runtime: Runtime): [string, string[]] {
  if (runtime === 'node') return [process.execPath, [join(repoRoot, 'dist', 'node.js')]]
  // `deno run <task's flags> <repo>/server/deno.ts`, with the repo's deno.json so it works from any cwd.
  const [, run, ...flags] = DENO_TASK
  const entry = flags.pop()!
  return [DENO, [run!, '--config', join(repoRoot, 'deno.json'), ...flags, join(repoRoot, entry)]]
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/** One GET on a fresh connection: its status, or why there was none. */
function probe(url: string, timeoutMs = 1000): Promise<number | 'refused' | 'no answer' | string> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('timeout', () => {
      req.destroy()
      resolve('no answer')
    })
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ECONNRESET' ? 'no answer' : `error ${err.code}`),
    )
  })
}

/** A GET through `agent` (so a kept-alive connection is reused): its status, or the error code. */
function getVia(agent: Agent, url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent, timeout: 2000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

/**
 * Streams `scenario:slow-chunks` through the proxy with the `openai` client and sends `signal` to the proxy
 * as soon as the first chunk arrived (no event may have reached PostHog by then); resolves with the text.
 */
async function streamAndSignal(proxy: RunningProxy, signal: NodeJS.Signals, user: string, headers: Record<string, string> = {}) {
  const stream = await client(proxy.url).chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'scenario:slow-chunks' }], stream: true, user },
    { headers },
  )
  let text = ''
  let signalled = false
  for await (const chunk of stream) {
    if (!signalled) {
      signalled = true
      expect(posthog.events).toEqual([])
      process.kill(proxy.pid, signal)
    }
    text += chunk.choices[0]?.delta?.content ?? ''
  }
  return text
}

/** A chat completion over `agent`'s connection (node:http); `onFirstData` when the first bytes arrive. */
function chatVia(
  agent: Agent,
  url: string,
  { stream, user, content }: { stream: boolean; user: string; content: string },
  onFirstData?: () => void,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/v1/chat/completions`,
      { method: 'POST', agent, timeout: 10_000, headers: { authorization: `Bearer ${KEYS.main}`, 'content-type': 'application/json' } },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => {
          if (body === '') onFirstData?.()
          body += d
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')))
    req.on('error', reject)
    req.end(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream, user }))
  })
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

function expectNoSecrets(lines: string[]) {
  for (const secret of Object.values(SECRETS)) {
    expect(lines.filter((l) => l.includes(secret)), `output lines containing ${secret}`).toEqual([])
  }
}

function client(url: string) {
  return new OpenAI({ apiKey: KEYS.main, baseURL: `${url}/v1`, maxRetries: 0, timeout: 15_000 })
}

// ---------------------------------------------------------------------------------------------------------
// Fakes, temp dirs and cleanup
// ---------------------------------------------------------------------------------------------------------

let upstream: FakeOpenAI
let posthog: FakePostHog
const proxies = new Set<RunningProxy>()
const tempDirs = new Set<string>()

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  posthog = await startFakePostHog()
})
afterAll(async () => {
  await upstream?.close()
  await posthog?.close()
})
beforeEach(() => {
  upstream.reset()
  posthog.reset()
})
afterEach(async () => {
  const stops: Promise<unknown>[] = [...launched, ...proxies].map((p) => p.stop('SIGKILL'))
  proxies.clear()
  await Promise.allSettled(stops)
  await Promise.all([...tempDirs].map((d) => rm(d, { recursive: true, force: true })))
  tempDirs.clear()
})

async function tempDir(): Promise<string> {
  const dir = await makeTempDir()
  tempDirs.add(dir)
  return dir
}

/** Writes a config file to a fresh temp dir; `text` as is, an object as JSON. */
async function configFile(config: object | string): Promise<string> {
  const path = join(await tempDir(), 'openstack.config.json')
  await writeFile(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2))
  return path
}

/** A spool dir under ./data (the only place `deno task start` may write), removed after the test. */
function spoolUnderData(): string {
  const rel = `./data/entry-test-${randomBytes(4).toString('hex')}`
  tempDirs.add(join(repoRoot, rel))
  return rel
}

async function runProxy(runtime: Runtime, config: object, env: Record<string, string> = {}): Promise<RunningProxy> {
  const proxy = await startProxy({ runtime, config, env })
  proxies.add(proxy)
  return proxy
}

/** Runs the entry with a config that must be refused; resolves once it has exited. */
async function startRefused(runtime: Runtime, config: object | string, env: Record<string, string> = {}) {
  const [command, args] = entryCommand(runtime)
  const proc = launch(command, args, { cwd: repoRoot, env: childEnv({ OPENSTACK_CONFIG: await configFile(config), PORT: '0', HOST: '127.0.0.1', ...env }) })
  const exit = await withTimeout(proc.exited, STARTUP_MS, `${command} with a refused config\n${proc.lines.join('\n')}`)
  return { exit, lines: proc.lines, json: proc.lines.map(parseJson).filter((j) => j !== null) }
}

// ---------------------------------------------------------------------------------------------------------

describe.each(runtimes)('%s', (runtime) => {
  const config = () => testConfig({ upstreamUrl: upstream.url, posthogUrl: posthog.url })
  /** A deep copy to break on purpose. */
  const configToBreak = (): any => structuredClone(config())
  /** Batching that sends nothing on its own: only the shutdown flush can deliver an event. */
  const unbatchedConfig = () => ({ ...config(), analytics: { flushAt: 100, flushIntervalMs: 600_000 } })

  it(
    runtime === 'node' ? '`npm start` from the repo root serves /healthz' : '`deno task start` from the repo root serves /healthz',
    async () => {
      const configPath = await configFile({ ...config(), analytics: { spoolDir: spoolUnderData() } })
      const [command, args] = runtime === 'node' ? ['npm', ['start']] : [DENO, ['task', 'start']]
      const proc = launch(command, args, {
        cwd: repoRoot,
        env: childEnv({ OPENSTACK_CONFIG: configPath, PORT: '0', HOST: '127.0.0.1' }),
        group: true,
      })
      const url = await proc.listening()
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ status: 'ok' })
      // Like Ctrl-C in a terminal: the whole process group gets the signal.
      const exit = await proc.stop('SIGTERM')
      expect(proc.lines.map(parseJson).find((j) => j?.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' })
      // npm re-raises the signal once its script is done (deno task exits 0); anything else is a failure.
      expect(exit.code === 0 || exit.signal === 'SIGTERM', `exit ${JSON.stringify(exit)}`).toBe(true)
      expect(proc.lines.filter((l) => parseJson(l) === null && /\berror\b/i.test(l))).toEqual([])
      expectNoSecrets(proc.lines)
    },
    SLOW,
  )

  it('listens on PORT and HOST from the environment, over the config file', async () => {
    const [configPort, envPort] = [await freePort(), await freePort()]
    const proxy = await runProxy(runtime, { ...config(), server: { ...config().server, hostname: '0.0.0.0', port: configPort } }, {
      PORT: String(envPort),
      HOST: '127.0.0.1',
    })
    expect(proxy.url).toBe(`http://127.0.0.1:${envPort}`)
    expect(await probe(`http://127.0.0.1:${envPort}/healthz`)).toBe(200)
    expect(await probe(`http://127.0.0.1:${configPort}/healthz`)).toBe('refused')
  })

  it('runs from environment variables alone (no config file) and sends the event to PostHog', async () => {
    const cwd = await tempDir() // empty: no ./openstack.config.json
    const [command, args] = entryCommand(runtime)
    const proc = launch(command, args, {
      cwd,
      env: childEnv({
        OPENSTACK_API_KEY: KEYS.main,
        OPENAI_API_KEY: SECRETS.openai,
        OPENAI_BASE_URL: upstream.url,
        POSTHOG_API_KEY: SECRETS.posthog,
        POSTHOG_HOST: posthog.url,
        POSTHOG_PROJECT_ID: '4242',
        PORT: '0',
        HOST: '127.0.0.1',
      }),
    })
    const url = await proc.listening()
    const res = await client(url).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
      user: 'user-env-only',
    })
    expect(res.choices[0]?.message.content).toBe(FAKE_TEXT)
    expect(upstream.chatRequests[0]?.headers.authorization).toBe(`Bearer ${SECRETS.openai}`)
    // Default batching (flushInterval 5 s): the event arrives without stopping the proxy.
    const event = await posthog.waitForEvent((e) => e.distinct_id === 'user-env-only', 10_000)
    expect(event).toMatchObject({ event: '$ai_generation', api_key: SECRETS.posthog })
    expect(event.properties).toMatchObject({ openstack_paywall_id: 'default', openstack_project_id: '4242' })
    expect(posthog.errors).toEqual([])
    expectNoSecrets(proc.lines)
  })

  it('refuses to start when PostHog is enabled without an apiKey, naming paywalls[0].posthog.apiKey', async () => {
    const bad = configToBreak()
    delete bad.paywalls[0].posthog.apiKey
    const { exit, json } = await startRefused(runtime, bad)
    expect(exit.code).toBe(1)
    const line = json.find((j) => j.msg === 'invalid configuration')
    expect(line, 'an {"msg":"invalid configuration"} line').toBeDefined()
    expect(line!.errors).toContain('paywalls[0].posthog.apiKey: required when enabled')
  })

  it('refuses to start when the config refers to an unset ${VAR}, naming the variable', async () => {
    const bad = configToBreak()
    bad.paywalls[0].providers.openai.apiKey = '${OPENSTACK_TEST_UNSET_OPENAI_KEY}'
    const { exit, json } = await startRefused(runtime, bad)
    expect(exit.code).toBe(1)
    const errors: string[] = json.find((j) => j.msg === 'invalid configuration')?.errors ?? []
    expect(errors.find((e) => e.startsWith('paywalls[0].providers.openai.apiKey:')), JSON.stringify(errors)).toContain(
      'OPENSTACK_TEST_UNSET_OPENAI_KEY',
    )
  })

  it('never prints the upstream or PostHog key of a config it refuses', async () => {
    const bad = configToBreak()
    bad.paywalls[0].providers.openai.baseUrl = 'ftp://not-an-http-url' // next to the upstream key
    bad.paywalls[0].posthog.host = 'not a url' // next to the PostHog key
    bad.paywalls[0].apiKeys = [SECRETS.openai, SECRETS.posthog] // client keys reusing the secrets...
    bad.paywalls[1].apiKeys = [SECRETS.openai] // ...and a duplicate one
    const refused = await startRefused(runtime, bad)
    expect(refused.exit.code).toBe(1)
    const errors: string[] = refused.json.find((j) => j.msg === 'invalid configuration')?.errors ?? []
    expect(errors.some((e) => e.startsWith('paywalls[0].posthog.host:')), JSON.stringify(errors)).toBe(true)
    expect(errors.some((e) => e.startsWith('paywalls[1].apiKeys[0]:')), JSON.stringify(errors)).toBe(true)
    expectNoSecrets(refused.lines)

    // A config that is not even JSON: the parser's message quotes the text around the error.
    const text = JSON.stringify(config(), null, 2).replace(`"${SECRETS.openai}"`, SECRETS.openai)
    const broken = await startRefused(runtime, text)
    expect(broken.exit.code).toBe(1)
    expectNoSecrets(broken.lines)
  })

  describe.each(['SIGTERM', 'SIGINT'] as const)('on %s', (signal) => {
    it('finishes the stream in flight, flushes its event to PostHog and exits 0', async () => {
      const proxy = await runProxy(runtime, unbatchedConfig())
      const user = `user-${signal.toLowerCase()}-${runtime}`
      const text = await streamAndSignal(proxy, signal, user)
      expect(text).toBe(FAKE_TEXT)
      expect(await withTimeout(proxy.exited, 15_000, `proxy exit after ${signal}`)).toEqual({ code: 0, signal: null })
      const event = await posthog.waitForEvent((e) => e.distinct_id === user, 2000)
      expect(event.event).toBe('$ai_generation')
      expect(proxy.logJson().find((j) => j.msg === 'shutting down')).toMatchObject({ signal })
      expectNoSecrets(proxy.logs())
    })
  })

  it('on SIGTERM, flushes the event of a stream whose client closes the connection with the answer', async () => {
    const proxy = await runProxy(runtime, unbatchedConfig())
    const user = `user-conn-close-${runtime}`
    const text = await streamAndSignal(proxy, 'SIGTERM', user, { connection: 'close' }) // like curl: no keep-alive
    expect(text).toBe(FAKE_TEXT)
    expect(await withTimeout(proxy.exited, 15_000, 'proxy exit after SIGTERM')).toEqual({ code: 0, signal: null })
    await posthog.waitForEvent((e) => e.distinct_id === user, 2000)
  })

  it('on SIGTERM, exits 0 and flushes even while a client keeps sending requests on its kept-alive connection', async () => {
    const proxy = await runProxy(runtime, unbatchedConfig())
    const user = `user-keep-alive-${runtime}`
    const agent = new Agent({ keepAlive: true, maxSockets: 1 }) // one connection, reused: a polling client
    try {
      // SIGTERM arrives while this connection is busy with a stream...
      const first = await chatVia(agent, proxy.url, { stream: true, user, content: 'scenario:slow-chunks' }, () =>
        process.kill(proxy.pid, 'SIGTERM'),
      )
      expect(first.status).toBe(200)
      let exit: Awaited<typeof proxy.exited> | undefined
      void proxy.exited.then((e) => (exit = e))
      // ...and the client goes on sending requests on it, as a polling tool does.
      const deadline = Date.now() + 15_000
      while (exit === undefined && Date.now() < deadline) {
        await getVia(agent, `${proxy.url}/healthz`)
        await pause(250)
      }
      expect(exit, 'how the proxy exited within 15 s of SIGTERM').toEqual({ code: 0, signal: null })
      await posthog.waitForEvent((e) => e.distinct_id === user, 2000)
    } finally {
      agent.destroy()
    }
  }, SLOW)

  it('stops taking new connections once SIGTERM arrived', async () => {
    const proxy = await runProxy(runtime, config())
    const stream = await client(proxy.url).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'scenario:slow-chunks' }],
      stream: true,
      user: 'user-closing',
    })
    let text = ''
    let late: Awaited<ReturnType<typeof probe>> | undefined
    for await (const chunk of stream) {
      if (late === undefined) {
        process.kill(proxy.pid, 'SIGTERM')
        await proxy.waitForLog((_, j) => j?.msg === 'shutting down', 5000)
        late = await probe(`${proxy.url}/healthz`)
      }
      text += chunk.choices[0]?.delta?.content ?? ''
    }
    expect(late).toMatch(/^(refused|no answer)$/)
    expect(text).toBe(FAKE_TEXT)
    expect(await withTimeout(proxy.exited, 15_000, 'proxy exit')).toEqual({ code: 0, signal: null })
  })
})
