/** The machine and software a benchmark ran on, for the report. */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'

const run = (command, args, cwd) => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' })
  return result.error || result.status !== 0 ? '' : result.stdout.trim()
}

export function describeMachine(repoRoot, generator) {
  const commit = run('git', ['rev-parse', '--short', 'HEAD'], repoRoot)
  const dirty = run('git', ['status', '--porcelain'], repoRoot) !== ''
  const portkey = JSON.parse(readFileSync(join(repoRoot, 'node_modules/@portkey-ai/gateway/package.json'), 'utf8')).version
  return {
    date: new Date().toISOString(),
    commit: commit ? `${commit}${dirty ? ' + uncommitted changes' : ''}` : 'unknown',
    cpu: /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: `Linux ${release()}`,
    node: process.version,
    deno: run(join(repoRoot, 'node_modules', '.bin', 'deno'), ['--version']).split('\n')[0].replace(/^deno /, '').split(' ')[0],
    portkey,
    loadGenerator: generator.version,
    loadAverageAtStart: loadavg()[0],
  }
}
