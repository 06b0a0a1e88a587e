/** Runs connectors/zapier's Zapier CLI wrapper (scripts/zapier.mjs: the 19.1.0 CLI on Node 22), as npm scripts do. */
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectorDir } from './app.ts'

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * `node scripts/zapier.mjs ...args` (or `npm run <script>` with `npm: true`) in `cwd`, with the update check
 * and analytics off and a fresh ZAPIER_AUTH_LOCATION, so no run reads or writes ~/.zapierrc.
 */
export async function zapierCli(args: string[], options: { cwd?: string; npm?: boolean } = {}): Promise<CliRun> {
  const authDir = await mkdtemp(join(tmpdir(), 'openstack-zapier-auth-'))
  const env = { ...process.env, NO_UPDATE_NOTIFIER: '1', DISABLE_ZAPIER_ANALYTICS: '1', ZAPIER_AUTH_LOCATION: join(authDir, '.zapierrc') }
  const [command, commandArgs] = options.npm ? ['npm', ['run', '--silent', ...args]] : [process.execPath, [join(connectorDir, 'scripts', 'zapier.mjs'), ...args]]
  const child = spawn(command as string, commandArgs as string[], { cwd: options.cwd ?? connectorDir, env })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, stdout, stderr }
}
