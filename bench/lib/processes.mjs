/**
 * Child processes of the benchmark: started with a bounded wait for their `{"msg":"listening","url"}` line(s),
 * stopped by their own PID, and SIGKILLed by PID if the benchmark exits or is interrupted. A server that
 * forks (the proxy with `server.workers`) logs one listening line per worker with its `pid`: those workers
 * are recorded with their start time, so each can be stopped by its own PID without hitting a reused one.
 * Also reads CPU time and peak RSS from /proc, summed over every process of a server.
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

const live = new Map() // pid -> ChildProcess
const workersOf = new Map() // pid of a tracked child -> [{ pid, startTime }] of its forked workers

process.once('exit', () => {
  // Workers first, while their parent is alive to vouch for them, then the children themselves.
  for (const workers of workersOf.values()) workers.forEach((worker) => killIfSame(worker, 'SIGKILL'))
  for (const pid of live.keys()) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping ${live.size} child process(es)`)
    process.exit(130)
  })
}

/** Fields of /proc/PID/stat from field 3 (state) on, or null once the process is gone. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}
const parentPid = (fields) => Number(fields[1]) // field 4
const startTime = (fields) => fields[19] // field 22, in clock ticks since boot: with the PID, names one process

/** Whether `{ pid, startTime }` still names the same (not reaped) process. */
function isSame(proc) {
  const fields = statFields(proc.pid)
  return fields !== null && fields[0] !== 'Z' && startTime(fields) === proc.startTime
}

function killIfSame(proc, signal) {
  if (!isSame(proc)) return
  try {
    process.kill(proc.pid, signal)
  } catch {
    // already gone
  }
}

/** Registers a child so that it is killed (by PID) when the benchmark exits. */
export function track(child) {
  if (child.pid === undefined) return child
  live.set(child.pid, child)
  child.once('exit', () => live.delete(child.pid))
  return child
}

/**
 * Runs a command to completion and resolves its stdout; SIGKILLs it (by PID) after `timeoutMs`. `env` is
 * added to this process's environment.
 */
export function runBounded(command, args, timeoutMs, { env = {}, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }))
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (data) => (stdout += data))
    child.stderr.on('data', (data) => (stderr += data))
    const timer = setTimeout(() => process.kill(child.pid, 'SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else reject(new Error(`${command} exited with ${code ?? signal}:\n${stderr}${stdout}`))
    })
  })
}

/**
 * Spawns a server and resolves once it logged `{"msg":"listening","url":...}` on a 127.0.0.1 address, or
 * `listeners` such lines with distinct `pid`s, all on the same URL (a forking server: one line per worker).
 * Returns `{ name, pid, pids, url, stop() }`: `pids` is the process itself followed by its workers.
 */
export function startServer({ name, command, args, env = {}, cwd, readyTimeoutMs = 30_000, listeners = 1 }) {
  const child = track(spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }))
  const tail = [] // the last lines of output, for error messages
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const heard = new Map() // pid from a listening line (the child's own when the line has none) -> url

  return new Promise((resolve, reject) => {
    let settled = false
    const fail = (why) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // Workers heard from so far are stopped with it, by their own PIDs.
      const workers = [...heard.keys()].map((pid) => [pid, statFields(pid)]).filter(([pid, f]) => pid !== child.pid && f && parentPid(f) === child.pid)
      if (workers.length > 0) workersOf.set(child.pid, workers.map(([pid, f]) => ({ pid, startTime: startTime(f) })))
      stop(child, exited)
      reject(new Error(`${name} ${why}\n--- output ---\n${tail.join('\n')}`))
    }
    const timer = setTimeout(() => fail(`did not log ${listeners} {"msg":"listening"} line(s) within ${readyTimeoutMs} ms`), readyTimeoutMs)
    const onError = (error) => fail(`could not start: ${error.message}`)
    const onExit = (code, signal) => fail(`exited (code ${code}, signal ${signal}) before listening`)
    child.once('error', onError)
    child.once('exit', onExit)

    const ready = () => {
      const urls = new Set(heard.values())
      if (urls.size !== 1) return fail(`listens on several addresses: ${[...urls].join(', ')}`)
      const workers = []
      for (const pid of heard.keys()) {
        if (pid === child.pid) continue
        const fields = statFields(pid)
        if (fields === null || parentPid(fields) !== child.pid) return fail(`logged pid ${pid}, which is not a child of ${child.pid}`)
        workers.push({ pid, startTime: startTime(fields) })
      }
      settled = true
      clearTimeout(timer)
      child.off('error', onError)
      child.off('exit', onExit)
      if (workers.length > 0) workersOf.set(child.pid, workers)
      const pids = [child.pid, ...workers.map((w) => w.pid)]
      resolve({ name, pid: child.pid, pids, url: [...urls][0], stop: () => stop(child, exited) })
    }

    const onLine = (line) => {
      tail.push(line)
      if (tail.length > 40) tail.shift()
      if (settled || !line.startsWith('{')) return
      let url
      let pid
      try {
        const json = JSON.parse(line)
        if (json.msg !== 'listening') return
        url = new URL(json.url)
        pid = Number.isInteger(json.pid) ? json.pid : child.pid
      } catch {
        return
      }
      if (url.hostname !== '127.0.0.1') return fail(`listens on ${url.host}, not on 127.0.0.1`)
      heard.set(pid, url.origin)
      if (heard.size >= listeners) ready()
    }
    for (const stream of [child.stdout, child.stderr]) {
      let partial = ''
      stream.setEncoding('utf8')
      stream.on('data', (data) => {
        const lines = (partial + data).split('\n')
        partial = lines.pop()
        lines.forEach(onLine)
      })
    }
  })
}

/**
 * SIGTERM by PID, SIGKILL after 5 s; resolves once the process has exited (at most ~6 s). A forking server
 * passes SIGTERM on to its workers; any worker still there after that gets SIGTERM, then SIGKILL, by its own
 * PID (checked against its start time), for at most another ~2 s.
 */
async function stop(child, exited = new Promise((resolve) => child.once('exit', resolve))) {
  const workers = workersOf.get(child.pid) ?? []
  if (child.exitCode === null && child.signalCode === null) {
    const kill = (signal) => {
      try {
        process.kill(child.pid, signal)
      } catch {
        // already gone
      }
    }
    kill('SIGTERM')
    const forced = setTimeout(() => kill('SIGKILL'), 5000)
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 6000))])
    clearTimeout(forced)
  }
  for (let attempt = 0; attempt < 20 && workers.some(isSame); attempt++) {
    workers.forEach((worker) => killIfSame(worker, attempt < 10 ? 'SIGTERM' : 'SIGKILL'))
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  workersOf.delete(child.pid)
}

const CLOCK_TICKS_PER_SECOND = 100 // USER_HZ, 100 on Linux x86 and arm

/** User + system CPU time of the processes (all their threads), summed, in microseconds. */
export function cpuMicros(pids) {
  let ticks = 0
  for (const pid of [pids].flat()) {
    const fields = statFields(pid)
    if (fields === null) throw new Error(`process ${pid} is gone (did a server or one of its workers die?)`)
    ticks += Number(fields[11]) + Number(fields[12]) // utime (14), stime (15)
  }
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND
}

/** CPU time of this process and of its exited children (the load generator runs), in microseconds. */
export function ownCpuMicros() {
  const fields = statFields('self')
  return (fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) * 1e6) / CLOCK_TICKS_PER_SECOND // utime, stime, cutime, cstime
}

/** Busy CPU time of the whole machine, all cores (user, nice, system, irq, softirq), in microseconds. */
export function machineBusyMicros() {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  return ((user + nice + system + irq + softirq) * 1e6) / CLOCK_TICKS_PER_SECOND
}

/**
 * Peak resident set size (VmHWM) in MB, summed over the processes: each process's own peak, so for several
 * processes it is an upper bound on their peak together.
 */
export function peakRssMb(pids) {
  let kb = 0
  for (const pid of [pids].flat()) {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    if (!match) return NaN
    kb += Number(match[1])
  }
  return kb / 1024
}

/** Resets the peak RSS of the processes so the next `peakRssMb` covers only what follows; false where the kernel refuses. */
export function resetPeakRss(pids) {
  try {
    for (const pid of [pids].flat()) writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}
