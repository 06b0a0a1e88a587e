import OpenAI, { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEYS, SECRETS } from '../harness/config.ts'
import { runtimes } from '../harness/proxy-process.ts'
import { type Stack, startStack } from '../harness/stack.ts'

const messages = [{ role: 'user' as const, content: 'Say hello' }]

describe.each(runtimes)('bad input on %s: a clear OpenAI-format error, and nothing sent upstream', (runtime) => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack(runtime)
  })
  afterAll(() => stack?.stop())

  /** Sends a raw request to the proxy and checks the answer is an OpenAI error that names the problem. */
  async function rawError(init: RequestInit & { path?: string }, status: number, code: string) {
    stack.upstream.reset()
    const response = await fetch(`${stack.proxy.url}${init.path ?? '/v1/chat/completions'}`, { method: 'POST', ...init })
    const body = (await response.json()) as { error: { message: string; type: string; code: string } }
    expect(response.status).toBe(status)
    expect(body.error.code).toBe(code)
    expect(body.error.message.length).toBeGreaterThan(10)
    expect(response.headers.get('x-openstack-request-id')).toBeTruthy()
    expect(stack.upstream.requests).toEqual([])
    return body.error
  }

  async function sdkError(call: (client: OpenAI) => Promise<unknown>, apiKey: string = KEYS.main) {
    stack.upstream.reset()
    const error = await call(stack.client(apiKey)).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(APIError)
    expect(stack.upstream.requests).toEqual([])
    return error as APIError
  }

  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${KEYS.main}`, 'content-type': 'application/json', ...headers },
  })

  it('rejects a missing or unknown client key with 401, never echoing the key', async () => {
    const unknown = await sdkError((c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages }), 'sk-not-a-paywall-key')
    expect(unknown).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(unknown.message).toContain('matches no paywall')
    expect(unknown.message).not.toContain('sk-not-a-paywall-key')
    const missing = await rawError({ body: '{}', headers: { 'content-type': 'application/json' } }, 401, 'invalid_api_key')
    expect(missing.message).toContain('Authorization: Bearer')
  })

  it('accepts the client key as x-api-key too', async () => {
    const response = await fetch(`${stack.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, user: 'u' }),
      headers: { 'x-api-key': KEYS.main, 'content-type': 'application/json' },
    })
    expect(response.status).toBe(200)
  })

  it('answers 413 for a body over server.maxBodyBytes, read cleanly by the SDK', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10)
    const error = await sdkError((c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: big }] }))
    expect(error.status).toBe(413)
    expect(error.message).toContain('maxBodyBytes')
  })

  it('answers 413 for an oversized chunked upload, which has no Content-Length to judge by', async () => {
    const piece = new TextEncoder().encode('x'.repeat(64 * 1024))
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 20) return controller.close() // 1.25 MiB in all, over the 1 MiB limit
        controller.enqueue(piece)
      },
    })
    const init = { ...json(null), body, duplex: 'half' } as RequestInit
    await rawError(init, 413, 'request_too_large')
  })

  it('checks the key before the size, and the size before the JSON', async () => {
    await rawError({ body: '{'.repeat(10), headers: { 'content-type': 'application/json' } }, 401, 'invalid_api_key')
    await rawError({ ...json(null), body: `{${' '.repeat(1024 * 1024 + 10)}` }, 413, 'request_too_large')
  })

  it('rejects malformed JSON', async () => {
    const error = await rawError({ ...json(null), body: '{"model": "gpt-4o-mini", ' }, 400, 'invalid_json')
    expect(error.message).toContain('not valid JSON')
  })

  it('rejects a wrong content type', async () => {
    const error = await rawError(json({ model: 'gpt-4o-mini', messages }, { 'content-type': 'text/plain' }), 400, 'invalid_content_type')
    expect(error.message).toContain('application/json')
  })

  it('rejects a missing model', async () => {
    const error = await sdkError((c) => c.chat.completions.create({ messages } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming))
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.message).toContain('"model"')
  })

  it('rejects a bad user id from the body, the header or the path', async () => {
    const long = await sdkError((c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages, user: 'u'.repeat(201) }))
    expect(long).toBeInstanceOf(OpenAI.BadRequestError)
    expect(long.message).toContain('limit is 200')
    const control = await sdkError((c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages, user: 'a\nb' }))
    expect(control.message).toContain('control characters')
    const header = await sdkError((c) =>
      c.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'X-Openstack-User': 'h'.repeat(300) } }),
    )
    expect(header.message).toContain('X-Openstack-User')
    const path = await sdkError((c) =>
      new OpenAI({ apiKey: KEYS.main, baseURL: `${stack.proxy.url}/${'p'.repeat(201)}/v1`, maxRetries: 0 }).chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
      }),
    )
    expect(path.message).toContain('path prefix')
  })

  it('rejects a bad trace id and bad custom properties, naming the header', async () => {
    const trace = await sdkError((c) =>
      c.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'X-Openstack-Trace-Id': 'has spaces' } }),
    )
    expect(trace.status).toBe(400)
    expect(trace.message).toContain('X-Openstack-Trace-Id')
    const reserved = await sdkError((c) =>
      c.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'X-Openstack-Property-$ai_model': 'x' } }),
    )
    expect(reserved.message).toContain('X-Openstack-Property-$ai_model')
    const headers = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-Openstack-Property-P${i}`, 'v']))
    const tooMany = await sdkError((c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers }))
    expect(tooMany.message).toContain('20 custom properties')
  })

  it('rejects a model no provider serves, naming the model and the providers', async () => {
    const error = await sdkError((c) => c.chat.completions.create({ model: 'llama3', messages }), KEYS.noDefault)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.message).toContain('"llama3"')
    expect(error.message).toContain('Configured providers: openai')
  })

  it('requires a user id when the paywall says so', async () => {
    const error = await sdkError((c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages }), KEYS.requireUser)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.message).toContain('requires a user id')
  })

  it('answers 502 when the upstream cannot be reached, naming no key', async () => {
    const closed = await startStack(runtime)
    await closed.upstream.close()
    const error = await closed
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages, user: 'u' })
      .then(() => null, (e: unknown) => e as APIError)
    expect(error).toBeInstanceOf(APIError)
    if (!error) return
    expect(error.status).toBe(502)
    expect(error.message).toContain('upstream unreachable')
    expect(error.message).not.toContain(SECRETS.openai)
    const event = await closed.posthog.waitForEvent((e) => e.distinct_id === 'u')
    expect(event.properties).toMatchObject({ $ai_http_status: 502, $ai_is_error: true })
    await closed.stop()
  })

  it('answers 404 in OpenAI format for an unknown route and for a reserved word as user prefix', async () => {
    const unknown = await fetch(`${stack.proxy.url}/v1/nope`, { headers: { authorization: `Bearer ${KEYS.main}` } })
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found')
    const reserved = await fetch(`${stack.proxy.url}/admin/v1/chat/completions`, { method: 'POST', ...json({ model: 'gpt-4o-mini', messages }) })
    expect(reserved.status).toBe(404)
  })
})
