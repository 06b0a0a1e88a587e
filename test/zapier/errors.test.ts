/**
 * What the app sends on the wire, and how it fails: no user id (or a bad one, a bad Base URL, a bad input)
 * stops before any request; the proxy's errors reach the user with its own message; 429 becomes Zapier's
 * ThrottledError with the Retry-After delay; a slow answer stops before Zapier's 30 s limit, saying so.
 */
import { createServer } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { listenOnLoopback } from '../fakes/http.ts'
import { ERROR_400_BODY, ERROR_429_BODY, ERROR_500_BODY, FAKE_TEXT } from '../fakes/openai-upstream.ts'
import { KEYS } from '../harness/config.ts'
import { failure, startZapierStack, type ZapierStack } from './app.ts'

let z: ZapierStack
beforeAll(async () => {
  z = await startZapierStack()
})
afterAll(() => z?.stop())

type CreateKey = 'send_prompt' | 'send_chat_messages'

function run(key: CreateKey, inputData: Record<string, unknown>, authData: Record<string, string>) {
  return z.appTester(z.app.creates[key].operation.perform, { authData, inputData }) as Promise<Record<string, unknown>>
}

/** Inputs that send `text` to `model` through either action. */
function inputsOf(key: CreateKey, text: string, extra: Record<string, unknown> = {}) {
  return key === 'send_prompt'
    ? { model: 'gpt-4o-mini', prompt: text, ...extra }
    : { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }], ...extra }
}

/**
 * The fake upstream, used here as the app's Base URL (it speaks /v1/chat/completions and /v1/models): it
 * records each request whole, headers included, which the proxy would not pass on.
 */
const direct = () => ({ base_url: z.stack.upstream.url, api_key: KEYS.main })

describe('what each request carries', () => {
  it.each<CreateKey>(['send_prompt', 'send_chat_messages'])('%s: Bearer key, X-Openstack-User and body user', async (key) => {
    z.stack.upstream.reset()
    await run(key, inputsOf(key, 'Hi', { user_id: 'wire-user' }), direct())
    const [request] = await z.stack.upstream.waitForRequests(1)
    expect(request?.headers).toMatchObject({ authorization: `Bearer ${KEYS.main}`, 'x-openstack-user': 'wire-user', 'content-type': expect.stringMatching(/^application\/json/) })
    expect(request?.body).toMatchObject({ user: 'wire-user' })
  })

  it('sends an id a header cannot carry (non-ASCII) in the body only', async () => {
    z.stack.upstream.reset()
    await run('send_prompt', inputsOf('send_prompt', 'Hi', { user_id: '张伟' }), direct())
    const [request] = await z.stack.upstream.waitForRequests(1)
    expect(request?.headers).not.toHaveProperty('x-openstack-user')
    expect(request?.body).toMatchObject({ user: '张伟' })
  })
})

describe('stops before any request', () => {
  afterEach(() => z.stack.upstream.reset())

  it.each<CreateKey>(['send_prompt', 'send_chat_messages'])('%s: no End User and no Default End User', async (key) => {
    z.stack.upstream.reset()
    for (const userId of [undefined, '', '   ']) {
      const error = await failure(run(key, inputsOf(key, 'Hi', { user_id: userId }), { ...direct(), default_user_id: ' ' }))
      expect(error).toMatchObject({ name: 'AppError', code: 'missing_user_id', status: 400 })
      expect(error.message).toMatch(/^End User is empty: map it to a stable id .* or set a Default End User on the connection/)
    }
    expect(z.stack.upstream.requests).toEqual([])
  })

  it('an End User or Default End User the proxy would refuse, saying which', async () => {
    const long = await failure(run('send_prompt', inputsOf('send_prompt', 'Hi', { user_id: 'u'.repeat(201) }), direct()))
    expect(long).toMatchObject({ code: 'invalid_user_id', message: expect.stringMatching(/^Invalid End User: .*201 characters long; the limit is 200/) })
    const control = await failure(run('send_prompt', inputsOf('send_prompt', 'Hi'), { ...direct(), default_user_id: 'team\u0000a' }))
    expect(control.message).toMatch(/^Invalid Default End User on the connection: .*control characters/)
    expect(z.stack.upstream.requests).toEqual([])
  })

  it('a Base URL that is not https (except localhost), in the connection test and in actions', async () => {
    const authData = { base_url: 'http://proxy.example.com/v1', api_key: KEYS.main }
    for (const call of [z.appTester(z.app.authentication.test, { authData }), run('send_prompt', inputsOf('send_prompt', 'Hi', { user_id: 'u1' }), authData)]) {
      const error = await failure(call)
      expect(error).toMatchObject({ name: 'AppError', code: 'invalid_base_url' })
      expect(error.message).toMatch(/^Base URL must use https:\/\/ \(plain http:\/\/ is allowed only for localhost and 127\.0\.0\.1\)/)
    }
  })

  it('an empty prompt, no messages, an unknown role, a temperature that is no number', async () => {
    const user = { user_id: 'u1' }
    const cases: Array<[CreateKey, Record<string, unknown>, RegExp]> = [
      ['send_prompt', { model: 'gpt-4o-mini', prompt: '  ', ...user }, /^Prompt is empty/],
      ['send_chat_messages', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: ' ' }], ...user }, /^Messages is empty/],
      ['send_chat_messages', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a' }, { role: 'robot', content: 'b' }], ...user }, /^Message 2 has the role "robot": use one of system, user, assistant/],
      ['send_prompt', { model: 'gpt-4o-mini', prompt: 'Hi', show_advanced: true, temperature: 'hot', ...user }, /^Temperature must be a number, not "hot"/],
      ['send_prompt', { model: 'gpt-4o-mini', prompt: 'Hi', show_advanced: true, max_tokens: '2.5', ...user }, /^Max Tokens must be a whole number/],
      ['send_prompt', { model: ' ', prompt: 'Hi', ...user }, /^Model is empty/],
    ]
    for (const [key, inputData, message] of cases) expect((await failure(run(key, inputData, direct()))).message).toMatch(message)
    expect(z.stack.upstream.requests).toEqual([])
  })

  it('nothing at all reaches the Base URL without a user id (a server that records every connection)', async () => {
    let seen = 0
    const server = createServer((_req, res) => {
      seen++
      res.end()
    })
    const port = await listenOnLoopback(server)
    try {
      await failure(run('send_prompt', inputsOf('send_prompt', 'Hi'), { base_url: `http://127.0.0.1:${port}/v1`, api_key: KEYS.main }))
      await failure(run('send_chat_messages', inputsOf('send_chat_messages', 'Hi'), { base_url: `http://127.0.0.1:${port}/v1`, api_key: KEYS.main }))
      expect(seen).toBe(0)
    } finally {
      server.close()
    }
  })
})

describe("the proxy's errors, as the user sees them", () => {
  it("a 4xx or 5xx: the proxy's own message, code and status", async () => {
    const bad = await failure(run('send_prompt', inputsOf('send_prompt', 'scenario:error-400', { user_id: 'err-user' }), z.authData()))
    expect(bad).toEqual({ name: 'AppError', message: ERROR_400_BODY.error.message, code: ERROR_400_BODY.error.code, status: 400 })
    const down = await failure(run('send_chat_messages', inputsOf('send_chat_messages', 'scenario:error-500', { user_id: 'err-user' }), z.authData()))
    expect(down).toEqual({ name: 'AppError', message: ERROR_500_BODY.error.message, code: 'server_error', status: 500 })
  })

  it('a proxy-side refusal (unknown model route) with its message', async () => {
    const error = await failure(run('send_prompt', inputsOf('send_prompt', 'Hi', { user_id: 'err-user', model: 'claude-sonnet-4-5' }), { ...z.authData(), api_key: KEYS.noDefault }))
    expect(error).toMatchObject({ name: 'AppError', status: 400, message: expect.stringMatching(/claude-sonnet-4-5/) })
  })

  it('401: the proxy says the key is wrong and the app says to check the API Key, never echoing it', async () => {
    const authData = { ...z.authData(), api_key: 'sk-wrong-key-0042' }
    for (const call of [
      z.appTester(z.app.authentication.test, { authData }),
      run('send_prompt', inputsOf('send_prompt', 'Hi', { user_id: 'err-user' }), authData),
    ]) {
      const error = await failure(call)
      expect(error.name).toBe('ExpiredAuthError')
      expect(error.message).toMatch(/^Invalid API key: it matches no paywall\..* Check the API Key of this connection/)
      expect(error.message).not.toContain('sk-wrong-key-0042')
    }
  })

  it.each<CreateKey>(['send_prompt', 'send_chat_messages'])("%s: 429 is a ThrottledError with the proxy's message and the Retry-After delay", async (key) => {
    const error = await failure(run(key, inputsOf(key, 'scenario:error-429', { user_id: 'err-user' }), z.authData()))
    // The fake upstream answers `retry-after: 1`, which the proxy passes on.
    expect(error).toEqual({ name: 'ThrottledError', message: ERROR_429_BODY.error.message, delay: 1 })
  })

  it('a proxy that cannot be reached: says so, with the host', async () => {
    const server = createServer()
    const port = await listenOnLoopback(server)
    await new Promise((resolve) => server.close(resolve))
    const error = await failure(run('send_prompt', inputsOf('send_prompt', 'Hi', { user_id: 'err-user' }), { base_url: `http://127.0.0.1:${port}/v1`, api_key: KEYS.main }))
    expect(error).toMatchObject({ code: 'unreachable', message: expect.stringMatching(new RegExp(`^Could not reach the proxy at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`)) })
  })
})

describe('a slow answer', () => {
  it("stops at the app's timeout, naming Zapier's 30-second limit and Max Tokens", async () => {
    // 25 s in production; the proxy's own upstream timeout here is 1.5 s, so 0.4 s is the app's.
    process.env.OPENSTACK_ZAPIER_TIMEOUT_MS = '400'
    try {
      const started = Date.now()
      const error = await failure(run('send_prompt', inputsOf('send_prompt', 'scenario:hang', { user_id: 'slow-user' }), z.authData()))
      expect(Date.now() - started).toBeLessThan(1400)
      expect(error).toMatchObject({ name: 'AppError', code: 'timeout', status: 504 })
      expect(error.message).toMatch(/^The proxy did not answer within 0\.4 seconds, and Zapier stops an action after 30 seconds\. Lower Max Tokens/)
    } finally {
      delete process.env.OPENSTACK_ZAPIER_TIMEOUT_MS
    }
    // Without the override the next call is not cut short.
    expect((await run('send_prompt', inputsOf('send_prompt', 'Hi', { user_id: 'slow-user' }), z.authData())).text).toBe(FAKE_TEXT)
  })
})
