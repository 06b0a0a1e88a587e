import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * The app's own tools (connectors/install.mjs: npm ci there when missing or stale, so a plain
 * `npx vitest run --project zapier` works on a fresh clone too, not only `npm test`), then the app as it
 * ships: connectors/zapier/dist/index.js, built here once (tsc + esbuild).
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  execFileSync(process.execPath, ['connectors/install.mjs', 'zapier'], { cwd: root, stdio: 'inherit' })
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: `${root}connectors/zapier`, stdio: 'inherit' })
}
