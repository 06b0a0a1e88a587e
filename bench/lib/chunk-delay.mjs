/**
 * Per-chunk stream delay: asks for a paced stream (20 chunks, 5 ms apart, each carrying the upstream's
 * `process.hrtime.bigint()` write time) and measures, for every chunk, how long after that write it was
 * complete on the client's socket. Both ends read CLOCK_MONOTONIC, so the figures compare across processes.
 */
import { post } from './http-client.mjs'
import { BODIES, CHAT_PATH } from './requests.mjs'

const STAMP = /"content":"t:(\d+)"/

/** Runs `streams` paced streams one after the other; resolves the per-chunk delays in microseconds. */
export async function measureChunkDelays(target, streams) {
  const delays = []
  for (let i = 0; i < streams; i++) {
    let pending = ''
    let chunks = 0
    const onData = (data, arrivalNs) => {
      const events = (pending + data.toString('utf8')).split('\n\n')
      pending = events.pop()
      for (const event of events) {
        const stamp = STAMP.exec(event)
        if (!stamp) continue
        chunks++
        delays.push(Number(arrivalNs - BigInt(stamp[1])) / 1000)
      }
    }
    const { status } = await post(target.url + CHAT_PATH, { headers: target.headers, body: BODIES.paced, onData })
    if (status !== 200 || chunks !== 20) throw new Error(`${target.id}: paced stream answered ${status} with ${chunks} of 20 stamped chunks`)
  }
  return delays
}
