/**
 * Starts the fakes and the benchmark targets, all on 127.0.0.1 with random ports.
 *
 * Each target is `{ id, label, url, headers, pid, pids, serving, upstreamKey, eventsKey }`: `pids` are the
 * server processes measured for CPU and RSS (summed), `pid` the first of them, `serving` how many of them
 * serve requests (proxies only; 1 when absent); `upstreamKey` the API key the fake
 * upstream sees from it (every target uses its own, so the upstream counts requests per target),
 * `eventsKey` the PostHog project key its events carry (proxies under test only).
 */
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { startServer } from './processes.mjs'

/** Every target, in report order. */
export const TARGET_IDS = ['direct', 'bare', 'node', 'node-mem', 'node-off', 'node2', 'deno', 'deno-mem', 'deno-off', 'deno2', 'portkey']
/** What runs without BENCH_TARGETS: the one-process proxies; node2 and deno2 are asked for by name. */
export const DEFAULT_TARGET_IDS = ['direct', 'bare', 'node', 'deno', 'portkey']

const LABELS = {
  direct: 'direct (fake upstream)',
  bare: 'bare Node http forwarder',
  node: 'proxy on Node',
  'node-mem': 'proxy on Node, spool in memory',
  'node-off': 'proxy on Node, analytics off',
  node2: 'proxy on Node ×2 (cluster)',
  deno: 'proxy on Deno',
  'deno-mem': 'proxy on Deno, spool in memory',
  'deno-off': 'proxy on Deno, analytics off',
  deno2: 'proxy on Deno ×2 (reusePort)',
  portkey: 'Portkey gateway',
}

/**
 * The proxy targets: runtime, processes, whether analytics is on and whether events are spooled in memory.
 * node2 is one primary forking 2 workers; deno2 two processes on one port; the -off ones are the same proxy
 * with PostHog disabled (no event, no spool); the -mem ones build and send every event like the normal ones
 * but keep them in memory instead of the durable spool (bench/servers/spool-in-memory.ts), so against the
 * normal targets they show what the spool itself costs.
 */
const PROXIES = {
  node: { runtime: 'node', processes: 1, analytics: true },
  'node-mem': { runtime: 'node', processes: 1, analytics: true, memorySpool: true },
  'node-off': { runtime: 'node', processes: 1, analytics: false },
  node2: { runtime: 'node', processes: 2, analytics: true },
  deno: { runtime: 'deno', processes: 1, analytics: true },
  'deno-mem': { runtime: 'deno', processes: 1, analytics: true, memorySpool: true },
  'deno-off': { runtime: 'deno', processes: 1, analytics: false },
  deno2: { runtime: 'deno', processes: 2, analytics: true },
}

const FILE_SPOOL = 'server/analytics/spool/file-spool.ts'
const MEMORY_SPOOL = 'bench/servers/spool-in-memory.ts'

/** Bundles a TypeScript entry for Node 20 as `npm run build` bundles the server; its packages stay external. */
export async function bundleForNode(entry, outfile, plugins = []) {
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'warning', plugins })
  return outfile
}

/**
 * dist/node-memory-spool.js: server/node.ts bundled with the file spool swapped for the memory one. In dist/,
 * so its external packages resolve from the repo's node_modules.
 */
function buildNodeWithMemorySpool(repoRoot) {
  const swap = {
    name: 'spool-in-memory',
    setup(b) {
      b.onResolve({ filter: /[/\\]spool[/\\]file-spool\.ts$/ }, () => ({ path: join(repoRoot, MEMORY_SPOOL) }))
    },
  }
  return bundleForNode(join(repoRoot, 'server', 'node.ts'), join(repoRoot, 'dist', 'node-memory-spool.js'), [swap])
}

/** A Deno import map that swaps the file spool for the memory one. */
function denoMemorySpoolImportMap(repoRoot, tempDir) {
  const path = join(tempDir, 'import-map.memory-spool.json')
  const url = (file) => pathToFileURL(join(repoRoot, file)).href
  writeFileSync(path, JSON.stringify({ imports: { [url(FILE_SPOOL)]: url(MEMORY_SPOOL) } }))
  return path
}

const CLIENT_KEY = 'sk-bench'

function proxyConfig(id, server, upstreamUrl, posthogUrl, spoolDir, analytics) {
  return {
    server: { port: 0, hostname: '127.0.0.1', ...server },
    analytics: { spoolDir, flushAt: 100, flushIntervalMs: 1000 },
    paywalls: [
      {
        id: 'pw_bench',
        apiKeys: [CLIENT_KEY],
        defaultProvider: 'openai',
        providers: { openai: { apiKey: `sk-upstream-${id}`, baseUrl: `${upstreamUrl}/v1` } },
        posthog: { enabled: analytics, apiKey: `phc_bench_${id}`, host: posthogUrl },
      },
    ],
  }
}

/** A port that was free a moment ago, for processes that must share one. */
async function freePort() {
  const server = createServer()
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Starts one proxy target; resolves its servers (one per process started here). node2: one Node primary
 * with `server.workers: 2`, whose workers are found from their listening lines. deno2: two Deno processes
 * with `server.reusePort` on one port, each with its own config file only so that each has its own spool
 * directory (a spool is never shared between processes).
 */
async function startProxy(id, { repoRoot, tempDir, upstream, posthog, profileDir }, start) {
  const { runtime, processes, analytics, memorySpool } = PROXIES[id]
  const writeConfig = (name, server) => {
    const path = join(tempDir, `openstack.${name}.json`)
    writeFileSync(path, JSON.stringify(proxyConfig(id, server, upstream.url, posthog.url, join(tempDir, `spool-${name}`), analytics), null, 2))
    return path
  }
  const env = { PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1' }
  if (runtime === 'node') {
    const configPath = writeConfig(id, processes > 1 ? { workers: processes } : {})
    const name = processes > 1 ? `proxy (node, ${processes} workers)` : 'proxy (node)'
    const entry = memorySpool ? await buildNodeWithMemorySpool(repoRoot) : 'dist/node.js'
    const args = [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), entry]
    return [await start(startServer({ name, command: process.execPath, args, env: { ...env, OPENSTACK_CONFIG: configPath }, cwd: repoRoot, listeners: processes }))]
  }
  const port = processes > 1 ? String(await freePort()) : '0'
  const servers = []
  for (let i = 0; i < processes; i++) {
    const name = processes > 1 ? `${id}-${i + 1}` : id
    const configPath = writeConfig(name, processes > 1 ? { reusePort: true } : {})
    servers.push(
      await start(
        startServer({
          name: processes > 1 ? `proxy (deno ${i + 1} of ${processes})` : 'proxy (deno)',
          command: join(repoRoot, 'node_modules', '.bin', 'deno'),
          args: [
            'run', '--unstable-no-legacy-abort', '--unstable-net', '--allow-net', '--allow-env', '--allow-read', `--allow-write=${tempDir}`,
            ...(memorySpool ? [`--import-map=${denoMemorySpoolImportMap(repoRoot, tempDir)}`] : []),
            // Deno has no --cpu-prof: V8's tick log, read with `node --prof-process`.
            ...(profileDir ? [`--v8-flags=--prof,--no-logfile-per-isolate,--logfile=${join(profileDir, `${name}.v8.log`)}`] : []),
            'server/deno.ts',
          ],
          env: { ...env, PORT: port, OPENSTACK_CONFIG: configPath, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
          cwd: repoRoot,
        }),
      ),
    )
  }
  if (new Set(servers.map((s) => s.url)).size !== 1) throw new Error(`${id}: the processes listen on different URLs: ${servers.map((s) => s.url).join(', ')}`)
  return servers
}

/**
 * Starts the fakes and the wanted targets (`direct` and `bare` always), in TARGET_IDS order; resolves
 * `{ upstream, posthog, targets, stopAll }`. With `profileDir`, the proxies write CPU profiles there as they exit.
 */
export async function startAll({ repoRoot, tempDir, wanted, profileDir }) {
  const servers = []
  const start = async (promise) => {
    const server = await promise
    servers.push(server)
    return server
  }
  // Targets first, then the fakes (the first two started): a proxy flushes its last events to the fake
  // PostHog as it stops, and would wait for it until killed if that were already gone.
  const stopAll = async () => {
    await Promise.all(servers.slice(2).map((server) => server.stop()))
    await Promise.all(servers.slice(0, 2).map((server) => server.stop()))
  }
  const script = (name) => join(repoRoot, 'bench', 'servers', name)

  try {
    const upstream = await start(startServer({ name: 'fake upstream', command: process.execPath, args: [script('fake-upstream.mjs')] }))
    const posthog = await start(startServer({ name: 'fake PostHog', command: process.execPath, args: [script('fake-posthog.mjs')] }))
    const targets = [{ id: 'direct', url: upstream.url, headers: { authorization: 'Bearer direct' }, pid: upstream.pid, pids: upstream.pids, upstreamKey: 'direct' }]

    const bare = await start(
      startServer({ name: 'bare forwarder', command: process.execPath, args: [script('bare-forwarder.mjs')], env: { UPSTREAM_URL: upstream.url } }),
    )
    targets.push({ id: 'bare', url: bare.url, headers: { authorization: 'Bearer bare' }, pid: bare.pid, pids: bare.pids, upstreamKey: 'bare' })

    for (const id of Object.keys(PROXIES)) {
      if (!wanted.includes(id)) continue
      const proxies = await startProxy(id, { repoRoot, tempDir, upstream, posthog, profileDir }, start)
      const pids = proxies.flatMap((p) => p.pids)
      targets.push({
        id,
        url: proxies[0].url,
        headers: { authorization: `Bearer ${CLIENT_KEY}` },
        pid: pids[0],
        pids,
        serving: PROXIES[id].processes,
        upstreamKey: `sk-upstream-${id}`,
        ...(PROXIES[id].analytics ? { eventsKey: `phc_bench_${id}` } : {}),
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
        pids: portkey.pids,
        upstreamKey: 'portkey',
      })
    }

    targets.sort((a, b) => TARGET_IDS.indexOf(a.id) - TARGET_IDS.indexOf(b.id))
    for (const target of targets) target.label = LABELS[target.id]
    return { upstream, posthog, targets, stopAll }
  } catch (error) {
    await stopAll()
    throw error
  }
}
