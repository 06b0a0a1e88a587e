/**
 * Runs the proxy as a child process (Node: `dist/node.js`; Deno: `deno run ... server/deno.ts`), with its
 * config written to a fresh temp dir, listening on 127.0.0.1 on a random port.
 *
 *   const proxy = await startProxy({ runtime: 'node', config })
 *   await fetch(`${proxy.url}/v1/chat/completions`, ...)
 *   await proxy.stop()
 *
 * - The temp dir is also exported to the proxy as `OPENSTACK_TEST_DIR`, so a config can say
 *   `"spoolDir": "${OPENSTACK_TEST_DIR}/spool"`. When the config has no `analytics.spoolDir`, the harness sets
 *   it to `<tempDir>/spool` (Deno may write only inside the temp dir).
 * - Pass `tempDir` (e.g. from `makeTempDir()` or a previous proxy's `tempDir`) to reuse a dir across a
 *   restart; a dir the harness created itself is removed by `stop()`, one passed in never is.
 * - Inherited environment variables that configure the proxy (OPENSTACK_*, POSTHOG_*, provider API keys,
 *   PORT, HOST) are removed so that a developer's shell cannot leak into tests; `env` is applied last.
 * - `OPENSTACK_TEST_RUNTIMES=node` (comma-separated) narrows `runtimes`; the default is both.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export type Runtime = 'node' | 'deno'

/** Repository root (two levels above this file). */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

function selectedRuntimes(): Runtime[] {
  const all: Runtime[] = ['node', 'deno']
  const wanted = process.env.OPENSTACK_TEST_RUNTIMES
  if (!wanted) return all
  const picked = wanted
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is Runtime => s === 'node' || s === 'deno')
  return picked.length > 0 ? picked : all
}

/** For `describe.each(runtimes)`. */
export const runtimes: Runtime[] = selectedRuntimes()

export interface StartProxyOptions {
  runtime: Runtime
  /** Written as JSON to `<tempDir>/openstack.config.json`. */
  config: object
  /** Extra environment for the proxy; applied last, so it can override PORT, HOST, OPENSTACK_CONFIG. */
  env?: Record<string, string>
  /** Use this dir instead of a fresh one (kept after stop). */
  tempDir?: string
  /** How long to wait for the `listening` log line (default 20 s). */
  readyTimeoutMs?: number
}

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface RunningProxy {
  /** e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  url: string
  pid: number
  runtime: Runtime
  tempDir: string
  configPath: string
  /** All stdout and stderr lines so far, in arrival order. */
  logs(): string[]
  /** The lines of `logs()` that are JSON objects, parsed. */
  logJson(): Record<string, any>[]
  /** Resolves with the first line (past or future) that matches; rejects after timeoutMs with the output. */
  waitForLog(match: string | RegExp | ((line: string, json: Record<string, any> | null) => boolean), timeoutMs?: number): Promise<string>
  /** Resolves when the process has exited (for whatever reason). */
  exited: Promise<ExitInfo>
  /** Signal the process by PID (SIGTERM by default), SIGKILL after 5 s; resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** A fresh temp dir to share between several `startProxy` calls (restart tests). */
export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'openstack-proxy-test-'))
}

const STRIPPED_ENV = /^(OPENSTACK_|POSTHOG_)|^(OPENAI_API_KEY|ANTHROPIC_API_KEY|GEMINI_API_KEY|GOOGLE_API_KEY|OPENROUTER_API_KEY|PORT|HOST)$/

const live = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const child of live) {
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
}

function parseJsonLine(line: string): Record<string, any> | null {
  const t = line.trim()
  if (!t.startsWith('{')) return null
  try {
    const v = JSON.parse(t)
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null
  } catch {
    return null
  }
}

function withDefaultSpool(config: object, tempDir: string): object {
  const c = config as Record<string, any>
  const analytics = c.analytics
  if (analytics && typeof analytics === 'object' && analytics.spoolDir !== undefined) return config
  return { ...c, analytics: { ...(analytics && typeof analytics === 'object' ? analytics : {}), spoolDir: join(tempDir, 'spool') } }
}

export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const { runtime, config, env = {}, readyTimeoutMs = 20_000 } = options
  const ownsTempDir = options.tempDir === undefined
  const tempDir = options.tempDir ?? (await makeTempDir())
  const configPath = join(tempDir, 'openstack.config.json')
  const removeTempDir = async () => {
    if (ownsTempDir) await rm(tempDir, { recursive: true, force: true }).catch(() => {})
  }

  let command: string
  let args: string[]
  if (runtime === 'node') {
    const entry = join(repoRoot, 'dist', 'node.js')
    if (!existsSync(entry)) {
      await removeTempDir()
      throw new Error(`startProxy(node): ${entry} does not exist; the build (vitest globalSetup test/setup/build.ts) must run first`)
    }
    command = process.execPath
    args = [entry]
  } else if (runtime === 'deno') {
    command = join(repoRoot, 'node_modules', '.bin', 'deno')
    const entry = join(repoRoot, 'server', 'deno.ts')
    for (const f of [command, entry]) {
      if (!existsSync(f)) {
        await removeTempDir()
        throw new Error(`startProxy(deno): ${f} does not exist`)
      }
    }
    // Same flags as `deno task start` (deno.json), with writes confined to the test's own folder.
    args = ['run', '--unstable-no-legacy-abort', '--unstable-net', '--allow-net', '--allow-env', '--allow-read', `--allow-write=${tempDir}`, 'server/deno.ts']
  } else {
    throw new Error(`startProxy: unknown runtime ${String(runtime)}`)
  }

  await writeFile(configPath, JSON.stringify(withDefaultSpool(config, tempDir), null, 2))

  const childEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !STRIPPED_ENV.test(k)) childEnv[k] = v
  }
  Object.assign(childEnv, {
    OPENSTACK_CONFIG: configPath,
    OPENSTACK_TEST_DIR: tempDir,
    PORT: '0',
    HOST: '127.0.0.1',
    NO_COLOR: '1',
    ...(runtime === 'deno' ? { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' } : {}),
    ...env,
  })

  installExitHook()
  const child = spawn(command, args, { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)

  const lines: string[] = []
  const lineListeners = new Set<(line: string) => void>()
  const attach = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return
    let partial = ''
    stream.setEncoding('utf8')
    stream.on('data', (data: string) => {
      partial += data
      const parts = partial.split('\n')
      partial = parts.pop() ?? ''
      for (const raw of parts) {
        const line = raw.replace(/\r$/, '')
        lines.push(line)
        for (const l of [...lineListeners]) l(line)
      }
    })
    stream.on('end', () => {
      if (partial !== '') {
        lines.push(partial)
        for (const l of [...lineListeners]) l(partial)
        partial = ''
      }
    })
  }
  attach(child.stdout)
  attach(child.stderr)

  let exitInfo: ExitInfo | null = null
  let spawnError: Error | null = null
  const exited = new Promise<ExitInfo>((resolveExit) => {
    let settled = false
    const settle = (info: ExitInfo) => {
      if (settled) return
      settled = true
      exitInfo = info
      live.delete(child)
      resolveExit(info)
    }
    child.once('error', (err) => {
      spawnError = err
      settle({ code: null, signal: null })
    })
    child.once('exit', (code, signal) => {
      // Give the pipes a moment to drain so logs() is complete, but never wait on them for long.
      const t = setTimeout(() => settle({ code, signal }), 1000)
      child.once('close', () => {
        clearTimeout(t)
        settle({ code, signal })
      })
    })
  })

  const output = () => (lines.length > 0 ? lines.join('\n') : '(no output)')
  const label = `proxy (${runtime}, ${[command, ...args].join(' ')})`

  const url = await new Promise<string>((resolveReady, rejectReady) => {
    let done = false
    const finish = (err: Error | null, value?: string) => {
      if (done) return
      done = true
      clearTimeout(timer)
      lineListeners.delete(onLine)
      if (err) rejectReady(err)
      else resolveReady(value!)
    }
    let failing = false
    const killAndReject = (message: string) => {
      if (failing || done) return
      failing = true
      try {
        if (child.pid !== undefined && exitInfo === null) process.kill(child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
      const bounded = new Promise((r) => setTimeout(r, 5000))
      void Promise.race([exited, bounded]).then(async () => {
        await removeTempDir()
        finish(new Error(`${message}\n--- output ---\n${output()}`))
      })
    }
    const onLine = (line: string) => {
      const json = parseJsonLine(line)
      if (!json || json.msg !== 'listening' || typeof json.url !== 'string') return
      let parsed: URL
      try {
        parsed = new URL(json.url)
      } catch {
        return killAndReject(`${label} announced an unparsable url ${JSON.stringify(json.url)}`)
      }
      if (parsed.hostname !== childEnv.HOST) {
        return killAndReject(`${label} announced ${json.url}; expected host ${childEnv.HOST} (was HOST ignored?)`)
      }
      finish(null, `${parsed.protocol}//${parsed.host}`)
    }
    const timer = setTimeout(
      () => killAndReject(`${label} did not log {"msg":"listening"} within ${readyTimeoutMs} ms`),
      readyTimeoutMs,
    )
    lineListeners.add(onLine)
    for (const line of lines) onLine(line)
    void exited.then(async (info) => {
      if (done || failing) return
      await removeTempDir()
      const why = spawnError
        ? `could not be started: ${(spawnError as Error).message}`
        : `exited (code ${info.code}, signal ${info.signal}) before logging {"msg":"listening"}`
      finish(new Error(`${label} ${why}\n--- output ---\n${output()}`))
    })
  })

  let stopping: Promise<number | null> | null = null
  const pid = child.pid!

  return {
    url,
    pid,
    runtime,
    tempDir,
    configPath,
    exited,
    logs: () => [...lines],
    logJson: () => lines.map(parseJsonLine).filter((j): j is Record<string, any> => j !== null),
    waitForLog(match, timeoutMs = 5000) {
      const test = (line: string) =>
        typeof match === 'string' ? line.includes(match) : match instanceof RegExp ? match.test(line) : match(line, parseJsonLine(line))
      return new Promise<string>((resolveLog, rejectLog) => {
        const found = lines.find(test)
        if (found !== undefined) return resolveLog(found)
        const onLine = (line: string) => {
          if (!test(line)) return
          clearTimeout(timer)
          lineListeners.delete(onLine)
          resolveLog(line)
        }
        const timer = setTimeout(() => {
          lineListeners.delete(onLine)
          rejectLog(new Error(`${label}: no log line matching ${String(match)} within ${timeoutMs} ms\n--- output ---\n${output()}`))
        }, timeoutMs)
        lineListeners.add(onLine)
      })
    },
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (stopping) return stopping
      stopping = (async () => {
        if (exitInfo === null) {
          try {
            process.kill(pid, signal)
          } catch {
            // already gone
          }
          const killTimer = setTimeout(() => {
            try {
              process.kill(pid, 'SIGKILL')
            } catch {
              // already gone
            }
          }, 5000)
          let giveUp: NodeJS.Timeout | undefined
          const info = await Promise.race([
            exited,
            new Promise<null>((r) => {
              giveUp = setTimeout(() => r(null), 10_000)
            }),
          ])
          clearTimeout(killTimer)
          clearTimeout(giveUp)
          if (info === null) {
            throw new Error(`${label} (pid ${pid}) did not exit 10 s after ${signal} (SIGKILL at 5 s)\n--- output ---\n${output()}`)
          }
        }
        await removeTempDir()
        return (exitInfo as ExitInfo | null)?.code ?? null
      })()
      return stopping
    },
  }
}
