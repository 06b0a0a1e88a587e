/**
 * Child processes of the benchmark: started with a bounded wait for their `{"msg":"listening","url"}` line,
 * stopped by their own PID, and SIGKILLed by PID if the benchmark exits or is interrupted. Also reads a
 * process's CPU time and peak RSS from /proc.
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

const live = new Map() // pid -> ChildProcess

process.once('exit', () => {
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

/** Registers a child so that it is killed (by PID) when the benchmark exits. */
export function track(child) {
  if (child.pid === undefined) return child
  live.set(child.pid, child)
  child.once('exit', () => live.delete(child.pid))
  return child
}

/**
 * Spawns a server and resolves once it logged `{"msg":"listening","url":...}` on a 127.0.0.1 address.
 * Returns `{ name, pid, url, stop() }`.
 */
export function startServer({ name, command, args, env = {}, cwd, readyTimeoutMs = 30_000 }) {
  const child = track(spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }))
  const tail = [] // the last lines of output, for error messages
  const exited = new Promise((resolve) => child.once('exit', resolve))

  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer)
      stop(child)
      reject(new Error(`${name} ${why}\n--- output ---\n${tail.join('\n')}`))
    }
    const timer = setTimeout(() => fail(`did not log {"msg":"listening"} within ${readyTimeoutMs} ms`), readyTimeoutMs)
    const onError = (error) => fail(`could not start: ${error.message}`)
    const onExit = (code, signal) => fail(`exited (code ${code}, signal ${signal}) before listening`)
    child.once('error', onError)
    child.once('exit', onExit)

    const onLine = (line) => {
      tail.push(line)
      if (tail.length > 40) tail.shift()
      if (!line.startsWith('{')) return
      let url
      try {
        const json = JSON.parse(line)
        if (json.msg !== 'listening') return
        url = new URL(json.url)
      } catch {
        return
      }
      if (url.hostname !== '127.0.0.1') return fail(`listens on ${url.host}, not on 127.0.0.1`)
      clearTimeout(timer)
      child.off('error', onError)
      child.off('exit', onExit)
      resolve({ name, pid: child.pid, url: url.origin, stop: () => stop(child, exited) })
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

/** SIGTERM by PID, SIGKILL after 5 s; resolves once the process has exited (at most ~6 s). */
async function stop(child, exited = new Promise((resolve) => child.once('exit', resolve))) {
  if (child.exitCode !== null || child.signalCode !== null) return
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

const CLOCK_TICKS_PER_SECOND = 100 // USER_HZ, 100 on Linux x86 and arm

/** User + system CPU time of a process (all its threads), in microseconds. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields from 3 (state) on
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND // utime (14), stime (15)
}

/** CPU time of this process and of its exited children (the load generator runs), in microseconds. */
export function ownCpuMicros() {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) * 1e6) / CLOCK_TICKS_PER_SECOND // utime, stime, cutime, cstime
}

/** Busy CPU time of the whole machine, all cores (user, nice, system, irq, softirq), in microseconds. */
export function machineBusyMicros() {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  return ((user + nice + system + irq + softirq) * 1e6) / CLOCK_TICKS_PER_SECOND
}

/** Peak resident set size (VmHWM) in MB. */
export function peakRssMb(pid) {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return kb ? Number(kb[1]) / 1024 : NaN
}

/** Resets the peak RSS so the next `peakRssMb` covers only what follows; false where the kernel refuses. */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}
