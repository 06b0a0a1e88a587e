import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Integration tests run the built server, exactly as `npm start` does. */
export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' })
}
