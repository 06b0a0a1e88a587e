/**
 * Starts the fakes and the benchmark targets, all on 127.0.0.1 with random ports.
 *
 * Each target is `{ id, label, url, headers, pid, upstreamKey, eventsKey }`: `pid` is the server process
 * measured for CPU and RSS, `upstreamKey` the API key the fake upstream sees from it (every target uses
 * its own, so the upstream counts requests per target), `eventsKey` the PostHog project key its events
 * carry (proxies under test only).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startServer } from './processes.mjs'

export const TARGET_IDS = ['direct', 'bare', 'node', 'deno', 'portkey']

const LABELS = {
  direct: 'direct (fake upstream)',
  bare: 'bare Node http forwarder',
  node: 'proxy on Node',
  deno: 'proxy on Deno',
  portkey: 'Portkey gateway',
}

const CLIENT_KEY = 'sk-bench'

function proxyConfig(runtime, upstreamUrl, posthogUrl, tempDir) {
  return {
    server: { port: 0, hostname: '127.0.0.1' },
    analytics: { spoolDir: join(tempDir, `spool-${runtime}`), flushAt: 100, flushIntervalMs: 1000 },
    paywalls: [
      {
        id: 'pw_bench',
        apiKeys: [CLIENT_KEY],
        defaultProvider: 'openai',
        providers: { openai: { apiKey: `sk-upstream-${runtime}`, baseUrl: `${upstreamUrl}/v1` } },
        posthog: { enabled: true, apiKey: `phc_bench_${runtime}`, host: posthogUrl },
      },
    ],
  }
}

function startProxy(runtime, { repoRoot, tempDir, upstream, posthog }) {
  const configPath = join(tempDir, `openstack.${runtime}.json`)
  writeFileSync(configPath, JSON.stringify(proxyConfig(runtime, upstream.url, posthog.url, tempDir), null, 2))
  const env = { OPENSTACK_CONFIG: configPath, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1' }
  if (runtime === 'node') {
    return startServer({ name: 'proxy (node)', command: process.execPath, args: ['dist/node.js'], env, cwd: repoRoot })
  }
  return startServer({
    name: 'proxy (deno)',
    command: join(repoRoot, 'node_modules', '.bin', 'deno'),
    args: ['run', '--unstable-no-legacy-abort', '--allow-net', '--allow-env', '--allow-read', `--allow-write=${tempDir}`, 'server/deno.ts'],
    env: { ...env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
    cwd: repoRoot,
  })
}

/** Starts the fakes and the wanted targets (`direct` and `bare` always); resolves `{ upstream, posthog, targets, stopAll }`. */
export async function startAll({ repoRoot, tempDir, wanted }) {
  const servers = []
  const start = async (promise) => {
    const server = await promise
    servers.push(server)
    return server
  }
  const stopAll = () => Promise.all(servers.map((server) => server.stop()))
  const script = (name) => join(repoRoot, 'bench', 'servers', name)

  try {
    const upstream = await start(startServer({ name: 'fake upstream', command: process.execPath, args: [script('fake-upstream.mjs')] }))
    const posthog = await start(startServer({ name: 'fake PostHog', command: process.execPath, args: [script('fake-posthog.mjs')] }))
    const targets = [{ id: 'direct', url: upstream.url, headers: { authorization: 'Bearer direct' }, pid: upstream.pid, upstreamKey: 'direct' }]

    const bare = await start(
      startServer({ name: 'bare forwarder', command: process.execPath, args: [script('bare-forwarder.mjs')], env: { UPSTREAM_URL: upstream.url } }),
    )
    targets.push({ id: 'bare', url: bare.url, headers: { authorization: 'Bearer bare' }, pid: bare.pid, upstreamKey: 'bare' })

    for (const runtime of ['node', 'deno']) {
      if (!wanted.includes(runtime)) continue
      const proxy = await start(startProxy(runtime, { repoRoot, tempDir, upstream, posthog }))
      targets.push({
        id: runtime,
        url: proxy.url,
        headers: { authorization: `Bearer ${CLIENT_KEY}` },
        pid: proxy.pid,
        upstreamKey: `sk-upstream-${runtime}`,
        eventsKey: `phc_bench_${runtime}`,
      })
    }

    if (wanted.includes('portkey')) {
      const portkey = await start(
        startServer({
          name: 'Portkey gateway',
          command: process.execPath,
          args: ['--import', script('portkey-loopback.mjs'), join(repoRoot, 'node_modules/@portkey-ai/gateway/build/start-server.js'), '--port=0', '--headless'],
          cwd: repoRoot,
        }),
      )
      targets.push({
        id: 'portkey',
        url: portkey.url,
        headers: { authorization: 'Bearer portkey', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream.url}/v1` },
        pid: portkey.pid,
        upstreamKey: 'portkey',
      })
    }

    for (const target of targets) target.label = LABELS[target.id]
    return { upstream, posthog, targets, stopAll }
  } catch (error) {
    await stopAll()
    throw error
  }
}
