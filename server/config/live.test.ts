import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { diskConfigFile } from '../adapters/config-file.ts'
import { Paywalls } from '../paywalls.ts'
import { LiveConfig } from './live.ts'
import { loadConfig } from './load.ts'

const configText = (projectId: string): string =>
  JSON.stringify({ paywalls: [{ id: 'pw', apiKeys: ['k'], providers: { openai: { apiKey: '${KEY}' } }, posthog: { projectId } }] })
const env = { KEY: 'sk-x' }

let dir = ''
afterEach(() => rm(dir, { recursive: true, force: true }))

async function live(text: string) {
  dir = await mkdtemp(join(tmpdir(), 'openstack-live-'))
  const path = join(dir, 'config.json')
  await writeFile(path, text)
  const loaded = loadConfig(text, env)
  if (!loaded.ok) throw new Error(loaded.errors.join())
  const built = Paywalls.build(loaded.config)
  if (!built.ok) throw new Error(built.errors.join())
  const logs: Array<{ msg: string; fields?: Record<string, unknown> }> = []
  const config = new LiveConfig({ config: loaded.config, paywalls: built.paywalls }, text, diskConfigFile(path), env, (_level, msg, fields) => void logs.push({ msg, fields }))
  return { config, path, logs }
}

describe('LiveConfig', () => {
  it('saves by editing the raw JSON: the file is replaced whole, ${VAR} kept, no temp file left', async () => {
    const { config, path } = await live(configText('1'))
    const seen: string[] = []
    config.onChange((state) => seen.push(state.config.paywalls[0]!.posthog.projectId ?? ''))
    const saved = await config.save((raw) => {
      ;((raw.paywalls as Array<Record<string, unknown>>)[0]!.posthog as Record<string, unknown>).projectId = '2'
      return []
    })
    expect(saved.ok).toBe(true)
    expect(JSON.parse(await readFile(path, 'utf8')).paywalls[0]).toMatchObject({ providers: { openai: { apiKey: '${KEY}' } }, posthog: { projectId: '2' } })
    expect(await readdir(dir)).toEqual(['config.json'])
    expect(seen).toEqual(['2'])
    expect(config.state.paywalls.forClientKey('k')?.config.posthog.projectId).toBe('2')
  })

  it('reloads a file another process changed, and keeps the running config when the new one is invalid', async () => {
    const { config, path, logs } = await live(configText('1'))
    await writeFile(path, configText('3'))
    await config.reload()
    expect(config.state.config.paywalls[0]!.posthog.projectId).toBe('3')
    await writeFile(path, '{"paywalls": []}')
    await config.reload()
    expect(config.state.config.paywalls[0]!.posthog.projectId).toBe('3')
    expect(logs.at(-1)).toMatchObject({ msg: expect.stringContaining('invalid'), fields: { errors: [expect.stringContaining('paywalls')] } })
  })

  it('reloads on its own when the file changes, once watching', async () => {
    const { config, path } = await live(configText('1'))
    const stop = config.watch()
    try {
      await writeFile(path, configText('4'))
      await expect.poll(() => config.state.config.paywalls[0]!.posthog.projectId).toBe('4')
    } finally {
      stop()
    }
  })
})
