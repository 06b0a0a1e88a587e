// Installs each connector's own tools (connectors/<name>/, with its own package-lock.json) when they are
// missing or older than its lockfile, so the root `npm ci` stays the proxy's alone. Run before `npm test`
// and `npm run typecheck` (the root's pretest / pretypecheck): the n8n unit tests and the root tsconfig
// read n8n-workflow and @n8n/ai-node-sdk from connectors/n8n/node_modules, the Zapier tests
// zapier-platform-core (and its CLI, on Node 22) from connectors/zapier/node_modules.
//
// Up to date means: node_modules/.openstack-lock-sha256 holds the sha256 of the current package-lock.json,
// written only after `npm ci` succeeded. Anything else (no node_modules, no stamp, another lockfile) reinstalls.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const connectors = fileURLToPath(new URL('.', import.meta.url))
const repo = join(connectors, '..')
const STAMP = '.openstack-lock-sha256'

// `node connectors/install.mjs zapier` installs only the named connectors (a test project's setup does).
const only = process.argv.slice(2)
const dirs = readdirSync(connectors, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(connectors, entry.name, 'package-lock.json')))
  .filter((entry) => only.length === 0 || only.includes(entry.name))
  .map((entry) => join(connectors, entry.name))

let failed = false
for (const dir of dirs) {
  const name = relative(repo, dir)
  const hash = createHash('sha256').update(readFileSync(join(dir, 'package-lock.json'))).digest('hex')
  const stamp = join(dir, 'node_modules', STAMP)
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) continue

  console.log(`${name}: node_modules missing or older than package-lock.json, running npm ci there (about 1-2 min, once)`)
  // Run from `npm test`, this inherits the root's npm_config_* (its local prefix among them): those that
  // would aim or silence this install are dropped, the rest (registry, cache, certificates) kept.
  const env = { ...process.env }
  for (const key of Object.keys(env)) {
    if (/^npm_config_(local_prefix|prefix|global|location|workspaces?|include_workspace_root|loglevel|dry_run)$/i.test(key)) {
      delete env[key]
    }
  }
  const result = spawnSync('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  })
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '')
    process.stderr.write(result.stderr ?? '')
    console.error(`${name}: npm ci failed (${result.error?.message ?? `exit ${result.status}`}); run it there by hand to see why`)
    failed = true
    continue
  }
  writeFileSync(stamp, `${hash}\n`)
}
process.exitCode = failed ? 1 : 0
