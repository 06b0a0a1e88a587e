/**
 * `npm run demo`: the whole flow, offline, with no keys. A local stand-in for OpenAI answers, a local
 * stand-in for PostHog records what posthog-node sends, and the real proxy sits between them.
 */
import { serve } from '@hono/node-server'
import OpenAI from 'openai'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFileSpool } from '../server/analytics/spool/file-spool.ts'
import { bootstrap, readConfig } from '../server/bootstrap.ts'
import { jsonLogger } from '../server/log.ts'
import { startFakeOpenAI } from './fakes/openai-upstream.ts'
import { startFakePostHog } from './fakes/posthog-capture.ts'

const upstream = await startFakeOpenAI()
const posthog = await startFakePostHog()
const spoolDir = await mkdtemp(join(tmpdir(), 'openstack-demo-'))
const config = {
  analytics: { flushAt: 1, flushIntervalMs: 0, spoolDir },
  paywalls: [
    {
      id: 'pw_demo',
      apiKeys: ['sk-openstack-demo'],
      defaultProvider: 'openai',
      providers: { openai: { apiKey: 'sk-demo-upstream', baseUrl: upstream.url } },
      posthog: { enabled: true, apiKey: 'phc_demo', host: posthog.url, projectId: '12345' },
    },
  ],
}
const quiet = jsonLogger(() => {})
const loaded = readConfig(JSON.stringify(config), {}, 'demo config')
if (!loaded.ok) throw new Error(loaded.errors.join('\n'))
const started = await bootstrap(loaded.config, { log: quiet, openSpool: openFileSpool })
if (!started.ok) throw new Error(started.errors.join('\n'))
const { proxy } = { proxy: started.proxy }
const server = serve({ fetch: proxy.app.fetch, port: 0, hostname: '127.0.0.1' })
await new Promise((resolve) => server.once('listening', resolve))
const address = server.address()
const port = typeof address === 'object' && address ? address.port : 0
const baseURL = `http://127.0.0.1:${port}/v1`

const section = (title: string) => console.log(`\n\x1b[1m${title}\x1b[0m`)
section(`Proxy on ${baseURL}, fake OpenAI on ${upstream.url}, fake PostHog on ${posthog.url}`)

const client = new OpenAI({ apiKey: 'sk-openstack-demo', baseURL })

section('1. Non-streamed chat completion, user id in the body (`user: "user-123"`)')
const { data: completion, response } = await client.chat.completions
  .create({ model: 'gpt-4o-mini', user: 'user-123', messages: [{ role: 'user', content: 'Say hello' }] })
  .withResponse()
console.log(`answer: ${completion.choices[0]?.message.content}`)
console.log(`X-Openstack-Cost-Usd: ${response.headers.get('x-openstack-cost-usd')}`)

section('2. Streamed chat completion, user id in the X-Openstack-User header')
const stream = await client.chat.completions.create(
  { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say hello, slowly' }] },
  { headers: { 'X-Openstack-User': 'user-456', 'X-Openstack-Property-Workflow': 'demo' } },
)
process.stdout.write('answer: ')
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? '')
console.log()

section('3. The $ai_generation events PostHog received')
const events = await posthog.waitForEvents(2, 10_000)
for (const event of events) {
  const { $ai_input, $ai_output_choices, ...rest } = event.properties as Record<string, unknown>
  const shown = Object.fromEntries(Object.entries(rest).filter(([key]) => key.startsWith('$ai_') || key.startsWith('openstack_') || key === 'workflow'))
  console.log(JSON.stringify({ event: event.event, distinct_id: event.distinct_id, uuid: event.uuid, timestamp: event.timestamp, properties: { $ai_input, $ai_output_choices, ...shown } }, null, 2))
}
if (posthog.errors.length) console.log('wire-format errors:', posthog.errors)

await new Promise<void>((resolve) => server.close(() => resolve()))
await proxy.flush(2000)
await Promise.all([upstream.close(), posthog.close(), rm(spoolDir, { recursive: true, force: true })])
