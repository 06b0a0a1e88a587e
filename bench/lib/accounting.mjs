/**
 * The accounting check: exactly `count` requests (every other one streamed), each with its own trace id
 * `acct-<target>-<n>`, so that the fake upstream's count and the fake PostHog's events per trace id can be
 * compared with what was sent.
 */
import { post } from './http-client.mjs'
import { BODIES, CHAT_PATH } from './requests.mjs'

export const tracePrefix = (target) => `acct-${target.id}-`

/** Sends the requests, `concurrency` at a time; resolves `{ sent, ok }` (ok = answered 200 in full). */
export async function sendExactly(target, count, concurrency) {
  let next = 0
  let ok = 0
  const worker = async () => {
    while (next < count) {
      const n = next++
      const headers = { ...target.headers, 'x-openstack-trace-id': tracePrefix(target) + n }
      try {
        const { status } = await post(target.url + CHAT_PATH, { headers, body: n % 2 ? BODIES.stream : BODIES.json })
        if (status === 200) ok++
      } catch {
        // counted as not ok
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { sent: count, ok }
}
