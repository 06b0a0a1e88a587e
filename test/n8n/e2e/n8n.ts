/**
 * Runs a real n8n (installed by install-n8n.mjs) headless against the test stack: installs the connector package
 * the way n8n installs a community package, imports credentials and workflows, and executes workflows with the CLI.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import type { N8nInstall } from './install-n8n.d.mts'

export const PACKAGE_NAME = 'n8n-nodes-openstack'

export interface CommandResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

/**
 * Runs a command with a hard time limit (the whole process group is killed at the limit, so a hung n8n with its
 * task-runner children cannot outlive the test).
 */
export function runCommand(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    }, options.timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started })
    })
  })
}

/** Throws with the command's output unless it exited 0. */
export async function mustRun(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<CommandResult> {
  const r = await runCommand(cmd, args, options)
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.signal ?? `exit ${r.code}`}, ${r.ms} ms)\nstdout:\n${r.stdout.slice(-4000)}\nstderr:\n${r.stderr.slice(-4000)}`)
  }
  return r
}

/** A port free on 127.0.0.1 right now (n8n wants numbers, not port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * Builds the connector as its package.json says (`npm run build`) and packs it: the tarball is what npm would serve.
 * Returns the tarball's path.
 */
export async function buildAndPack(packageDir: string, outDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  await mustRun('npm', ['run', 'build'], { cwd: packageDir, env, timeoutMs: 180_000 })
  mkdirSync(outDir, { recursive: true })
  const packed = await mustRun('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: packageDir, env, timeoutMs: 60_000 })
  const [info] = JSON.parse(packed.stdout) as { filename: string }[]
  if (!info) throw new Error(`npm pack printed no file: ${packed.stdout}`)
  return join(outDir, info.filename)
}

/**
 * Installs a packed community package into `<userFolder>/.n8n/nodes` as n8n 2.41.1's CommunityPackagesService does
 * (`downloadPackage` in n8n/dist/modules/community-packages/community-packages.service.js): the tarball is extracted
 * into `node_modules/<name>`, dev, peer and optional dependencies are removed from its package.json (peers resolve to
 * n8n's own copies), `npm install` runs there with n8n's flags, and the package is listed in `nodes/package.json`.
 * Returns the package's folder.
 */
export async function installCommunityPackage(tarball: string, userFolder: string, env: NodeJS.ProcessEnv): Promise<string> {
  const nodesDir = join(userFolder, '.n8n', 'nodes')
  const dir = join(nodesDir, 'node_modules', PACKAGE_NAME)
  mkdirSync(dir, { recursive: true })
  await mustRun('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1'], { cwd: dir, env, timeoutMs: 60_000 })
  const manifestPath = join(dir, 'package.json')
  const { devDependencies, peerDependencies, optionalDependencies, ...manifest } = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2))
  const npmArgs = ['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false']
  await mustRun('npm', npmArgs, { cwd: dir, env, timeoutMs: 120_000 })
  const installed = { name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: String(manifest.version) } }
  writeFileSync(join(nodesDir, 'package.json'), JSON.stringify(installed, null, 2))
  return dir
}

/** A base environment for n8n: nothing inherited but PATH (Node 24 first), HOME and locale, so a developer's N8N_* cannot leak in. */
export function n8nEnv(install: N8nInstall, userFolder: string, ports: { port: number; brokerPort: number }): NodeJS.ProcessEnv {
  return {
    PATH: `${dirname(install.nodeBin)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    LANG: process.env.LANG ?? 'C.UTF-8',
    TMPDIR: process.env.TMPDIR,
    NO_PROXY: '127.0.0.1,localhost',
    N8N_USER_FOLDER: userFolder,
    // Fixed, so the imported credential decrypts in every later command.
    N8N_ENCRYPTION_KEY: 'openstack-n8n-e2e-test-encryption-key',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_HOST: '127.0.0.1',
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_PORT: String(ports.port),
    N8N_RUNNERS_BROKER_PORT: String(ports.brokerPort),
    N8N_SECURE_COOKIE: 'false',
    // info, not error: `execute --rawOutput` prints the run's JSON through the logger at info level.
    N8N_LOG_LEVEL: 'info',
  }
}

/** `n8n <args>` on Node 24. */
export function n8n(install: N8nInstall, env: NodeJS.ProcessEnv, args: string[], timeoutMs: number): Promise<CommandResult> {
  return runCommand(install.nodeBin, [install.n8nBin, ...args], { cwd: env.N8N_USER_FOLDER!, env, timeoutMs })
}

/** One node's output items in a run (first run of the node, main output 0). */
export interface NodeRun {
  data?: { main?: ({ json: Record<string, unknown> }[] | null)[] }
  error?: { message?: string; description?: string }
}

/** The parts of n8n's IRun that the test reads. */
export interface N8nRun {
  status?: string
  data: { resultData: { runData: Record<string, NodeRun[]>; error?: { message?: string; description?: string } } }
}

/**
 * `execute --rawOutput` prints log lines, then the run as pretty JSON from the first line that starts with `{` to the
 * first line that is `}` alone (a failed run is followed by more log lines).
 */
export function parseRunOutput(stdout: string): N8nRun {
  const lines = stdout.split('\n')
  const start = lines.findIndex((line) => line.startsWith('{'))
  const end = lines.indexOf('}', start)
  if (start < 0 || end < 0) throw new Error(`n8n printed no run JSON:\n${stdout.slice(-4000)}`)
  return JSON.parse(lines.slice(start, end + 1).join('\n')) as N8nRun
}

/** The json of each item a node output. */
export function nodeOutput(run: N8nRun, nodeName: string): Record<string, unknown>[] {
  const runs = run.data.resultData.runData[nodeName]
  if (!runs?.[0]) throw new Error(`node "${nodeName}" did not run; ran: ${Object.keys(run.data.resultData.runData).join(', ')}`)
  if (runs[0].error) throw new Error(`node "${nodeName}" failed: ${runs[0].error.message} ${runs[0].error.description ?? ''}`)
  return (runs[0].data?.main?.[0] ?? []).map((item) => item.json)
}
