import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'

/** Past this many bytes (or this long) an oversized upload is cut off instead of drained. */
const DRAIN_FACTOR = 8
const DRAIN_MS = 5_000

/**
 * SPEC §2's 413, answered so that the client can read it: the rest of the upload is drained first,
 * since a server that answers mid-upload and closes makes clients see a reset connection, not the error.
 * A request with Content-Length is judged by it alone; only chunked uploads go through Hono's counting
 * body limit, which turns every request into a web-stream body (a cost the common case skips).
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge: Parameters<typeof bodyLimit>[0]['onError'] = async (c) => {
    await drain(c.req.raw.body, maxBytes * DRAIN_FACTOR)
    const response = errorResponse(
      c,
      413,
      `The request body is larger than the ${maxBytes} bytes this proxy accepts (server.maxBodyBytes).`,
      'request_too_large',
    )
    response.headers.set('connection', 'close')
    return response
  }
  const counting = bodyLimit({ maxSize: maxBytes, onError: tooLarge })
  return async (c, next) => {
    const length = c.req.header('content-length')
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return counting(c, next)
    if (Number(length) > maxBytes) return tooLarge(c)
    await next()
  }
}

async function drain(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<void> {
  // A body the limit check is already reading (chunked uploads) cannot be drained here.
  if (!body || body.locked) return
  const reader = body.getReader()
  const deadline = Date.now() + DRAIN_MS
  let seen = 0
  try {
    while (seen <= maxBytes && Date.now() < deadline) {
      const { done, value } = await reader.read()
      if (done) return
      seen += value.byteLength
    }
    await reader.cancel()
  } catch {
    // The client went away: nothing left to answer.
  }
}
