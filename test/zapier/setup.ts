import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The Zapier tests run the app as it ships: connectors/zapier/dist/index.js, built here once (tsc + esbuild). */
export default function setup(): void {
  const dir = fileURLToPath(new URL('../../connectors/zapier', import.meta.url))
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: dir, stdio: 'inherit' })
}
