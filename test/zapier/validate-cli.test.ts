/**
 * `zapier-platform validate --without-style` (the CLI's local schema validation; the style checks are a
 * call to zapier.com, unreachable offline) on Node 22, as `npm run validate` runs it, on the built app and
 * on a broken one.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { builtApp, connectorDir } from './app.ts'
import { zapierCli } from './cli.ts'

/** --format json prints the errors as a JSON array; --skip-build checks dist/ as built by the test setup. */
const VALIDATE = ['validate', '--without-style', '--skip-build', '--format', 'json']

describe('zapier-platform validate --without-style (CLI 19.1.0, Node 22)', () => {
  it('finds the app structurally sound', async () => {
    const run = await zapierCli(VALIDATE)
    expect(run.stderr).not.toMatch(/Error/)
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual([])
  })

  it('fails on a broken app: a create whose key differs from its name', async () => {
    // An app package next to the real one: the built app, with one key changed, and the real node_modules.
    const dir = await mkdtemp(join(tmpdir(), 'openstack-zapier-broken-'))
    try {
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'broken-app', version: '0.1.0', type: 'module', exports: './index.js', dependencies: { 'zapier-platform-core': '19.1.0' } }))
      await writeFile(
        join(dir, 'index.js'),
        `import app from ${JSON.stringify(pathToFileURL(builtApp).href)}\n` +
          'export default { ...app, creates: { ...app.creates, send_prompt: { ...app.creates.send_prompt, key: "sendPrompt" } } }\n',
      )
      await symlink(join(connectorDir, 'node_modules'), join(dir, 'node_modules'))
      const run = await zapierCli(VALIDATE, { cwd: dir })
      expect(run.code).toBe(1)
      const errors = JSON.parse(run.stdout) as Array<{ Property: string; Message: string }>
      expect(errors).toEqual([expect.objectContaining({ Property: 'App.send_prompt.key', Message: expect.stringMatching(/must have a matching top-level key .*"sendPrompt"/) })])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
