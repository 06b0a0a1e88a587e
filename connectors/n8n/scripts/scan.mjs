// The rules of n8n's verification scanner (@n8n/scan-community-package), run offline: the published
// command needs the package on npm with provenance, so this calls its analyzePackage() directly, on the
// source the way the scanner lints a GitHub checkout and on the packed tarball the way it lints npm's copy.
import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs'
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const unpacked = await mkdtemp(join(tmpdir(), 'n8n-nodes-openstack-scan-'))
let failed = false
try {
  const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', unpacked], { cwd: root, encoding: 'utf8' }))
  execFileSync('tar', ['-xzf', join(unpacked, filename), '-C', unpacked, '--strip-components=1'])
  for (const [label, dir, patterns] of [
    ['source', root, SOURCE_FILE_PATTERNS],
    ['packed dist', unpacked, ['**/*.js', 'package.json']],
  ]) {
    const result = await analyzePackage(dir, patterns)
    console.log(`${result.passed ? 'passed' : 'FAILED'}: ${label}${result.message ? ` (${result.message})` : ''}`)
    if (result.details) console.log(result.details)
    if (!result.passed) failed = true
  }
} finally {
  await rm(unpacked, { recursive: true, force: true })
}
process.exitCode = failed ? 1 : 0
