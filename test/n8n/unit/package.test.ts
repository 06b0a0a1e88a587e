import { execFile, execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'

const PKG = fileURLToPath(new URL('../../../connectors/n8n', import.meta.url))
const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'))
const run = promisify(execFile)
// vitest sets NODE_ENV=test, which switches eslint-plugin-n8n-nodes-base to its own fixture file names.
const { NODE_ENV: _testEnv, ...lintEnv } = process.env

describe('n8n-nodes-openstack package', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: PKG, stdio: 'inherit' })
  }, 120_000)

  it('declares what n8n and its verification expect', () => {
    expect(manifest).toMatchObject({
      name: 'n8n-nodes-openstack',
      license: 'MIT',
      files: ['dist'],
      peerDependencies: { 'n8n-workflow': '*', '@n8n/ai-node-sdk': '*' },
      n8n: { n8nNodesApiVersion: 1, strict: true, aiNodeSdkVersion: 1 },
    })
    expect(manifest.keywords).toContain('n8n-community-node-package')
    expect(Object.keys(manifest.peerDependencies)).toHaveLength(2)
    expect(manifest.dependencies ?? {}).toEqual({})
  })

  it('packs package.json and dist only (plus the README and licence npm always adds)', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PKG, encoding: 'utf8' }))
    const files: string[] = pack.files.map((f: { path: string }) => f.path)
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE.md'].includes(f))).toEqual([])
    const built = [...manifest.n8n.nodes, ...manifest.n8n.credentials]
    expect(files).toEqual(expect.arrayContaining([...built, ...manifest.n8n.nodes.map((f: string) => f.replace(/\.js$/, '.json'))]))
    expect(files).toEqual(expect.arrayContaining(['dist/icons/openstack.svg', 'dist/icons/openstack.dark.svg']))
    // No source, tests or tooling: n8n installs exactly this.
    expect(files.some((f) => f.endsWith('.ts') || f.includes('node_modules') || f.startsWith('scripts/'))).toBe(false)
  })

  it('loads in plain Node with n8n-workflow resolvable, the shared core bundled in', async () => {
    // A child process: plain CommonJS require, as n8n's loader does, not vitest's module graph.
    const script = `
      const path = require('node:path')
      const pkg = require('./package.json')
      const out = {}
      for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
        const exports = require(path.resolve(file))
        const instance = new (Object.values(exports)[0])()
        const d = instance.description ?? instance
        const icon = d.icon && d.icon.light.replace(/^file:/, '')
        out[file] = { name: d.name, usableAsTool: d.usableAsTool ?? null, outputs: d.outputs ?? null,
          icon: icon ? require('node:fs').existsSync(path.resolve(path.dirname(file), icon)) : null }
      }
      console.log(JSON.stringify(out))`
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: PKG })
    expect(JSON.parse(stdout)).toEqual({
      'dist/nodes/OpenStack/OpenStack.node.js': { name: 'openStack', usableAsTool: true, outputs: ['main'], icon: true },
      'dist/nodes/LmChatOpenStack/LmChatOpenStack.node.js': { name: 'lmChatOpenStack', usableAsTool: null, outputs: ['ai_languageModel'], icon: true },
      'dist/credentials/OpenStackApi.credentials.js': { name: 'openStackApi', usableAsTool: null, outputs: null, icon: true },
    })
    // Bundled, not required: the tarball has no shared/ folder to resolve.
    const built = readFileSync(join(PKG, 'dist/nodes/OpenStack/OpenStack.node.js'), 'utf8')
    expect(built).not.toMatch(/require\(["'][./]*shared/)
    expect(built).toContain('function resolveUserId(')
  })

  it('passes n8n-node lint', async () => {
    await expect(run('npm', ['run', '--silent', 'lint'], { cwd: PKG, env: lintEnv })).resolves.toBeTruthy()
  }, 60_000)

  it("passes the verification scanner's rules on the source and on the packed dist", async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'scan'], { cwd: PKG, env: lintEnv })
    expect(stdout).toContain('passed: source')
    expect(stdout).toContain('passed: packed dist')
  }, 60_000)
})
