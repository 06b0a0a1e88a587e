import OpenAI, { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_400_BODY } from '../fakes/openai-upstream.ts'
import { KEYS } from '../harness/config.ts'
import { runtimes } from '../harness/proxy-process.ts'
import { type Stack, startStack } from '../harness/stack.ts'

const messages = [{ role: 'user' as const, content: 'Say hello' }]

describe.each(runtimes)('user ids, personless events and privacy on %s', (runtime) => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack(runtime)
  })
  afterAll(() => stack?.stop())

  async function distinctIdOf(request: Promise<{ response: Response }>) {
    const { response } = await request
    return (await stack.eventFor(response.headers.get('x-openstack-request-id'))).distinct_id
  }

  it('takes the user id from the body first, then the header, then the path prefix', async () => {
    const client = stack.client()
    const withHeader = { headers: { 'X-Openstack-User': 'from-header' } }
    expect(await distinctIdOf(client.chat.completions.create({ model: 'gpt-4o-mini', messages, user: 'from-body' }, withHeader).withResponse())).toBe('from-body')
    expect(await distinctIdOf(client.chat.completions.create({ model: 'gpt-4o-mini', messages, user: '  ' }, withHeader).withResponse())).toBe('from-header')
    const prefixed = stack.client(KEYS.main, `${stack.proxy.url}/${encodeURIComponent('ada lovelace@example.com')}/v1`)
    expect(await distinctIdOf(prefixed.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse())).toBe('ada lovelace@example.com')
    expect(await distinctIdOf(prefixed.chat.completions.create({ model: 'gpt-4o-mini', messages }, withHeader).withResponse())).toBe('from-header')
  })

  it('proxies a request without a user id but sends no event, and says so', async () => {
    const { response, data } = await stack.client().chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse()
    expect(data.choices[0]?.message.content).toBeTruthy()
    expect(response.headers.get('x-openstack-analytics')).toBe('dropped; reason=missing-user')
    const droppedId = response.headers.get('x-openstack-request-id')
    // A later request's event arriving proves the dropped one was never sent before it.
    const { response: next } = await stack.client().chat.completions.create({ model: 'gpt-4o-mini', messages, user: 'after-drop' }).withResponse()
    expect(next.headers.get('x-openstack-analytics')).toBeNull()
    await stack.eventFor(next.headers.get('x-openstack-request-id'))
    expect(stack.posthog.events.some((event) => event.properties.openstack_request_id === droppedId)).toBe(false)
    const metrics = await (await fetch(`${stack.proxy.url}/metrics`)).text()
    expect(metrics).toMatch(/openstack_events_dropped_total\{reason="missing-user"\} [1-9]/)
  })

  it('sends a personless event keyed by the trace id when the paywall allows anonymous events', async () => {
    const { response } = await stack
      .client(KEYS.anonymous)
      .chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'X-Openstack-Trace-Id': 'conversation-77' } })
      .withResponse()
    expect(response.headers.get('x-openstack-trace-id')).toBe('conversation-77')
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.distinct_id).toBe('conversation-77')
    expect(event.properties).toMatchObject({ $process_person_profile: false, $ai_trace_id: 'conversation-77', openstack_paywall_id: 'pw_anonymous' })
  })

  it('carries session, span and custom properties from headers into the event', async () => {
    const { response } = await stack.client().chat.completions.create(
      { model: 'gpt-4o-mini', messages, user: 'props-user' },
      {
        headers: {
          'X-Openstack-Session-Id': 'session-9',
          'X-Openstack-Span-Name': 'summarize_ticket',
          'X-Openstack-Property-Workflow': 'Invoice bot',
        },
      },
    ).withResponse()
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties).toMatchObject({ $ai_session_id: 'session-9', $ai_span_name: 'summarize_ticket', workflow: 'Invoice bot' })
  })

  it('keeps prompts, answers, tools and provider error text out of the event in privacy mode', async () => {
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{ type: 'function', function: { name: 'secret_tool', parameters: {} } }]
    const { response } = await stack
      .client(KEYS.privacy)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my password is hunter2' }], tools, user: 'private-user' })
      .withResponse()
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(event.properties).toMatchObject({ $ai_input: null, $ai_output_choices: null, $ai_input_tokens: 12, $ai_output_tokens: 7 })
    expect(event.properties).not.toHaveProperty('$ai_tools')
    expect(JSON.stringify(event)).not.toContain('hunter2')
    expect(event.properties.$ai_total_cost_usd).toBeGreaterThan(0)

    const failed = await stack
      .client(KEYS.privacy)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'scenario:error-400' }], user: 'private-user' })
      .catch((e: APIError) => e)
    const errorEvent = await stack.eventFor((failed as APIError).headers?.get('x-openstack-request-id') ?? null)
    expect(errorEvent.properties.$ai_is_error).toBe(true)
    expect(errorEvent.properties.$ai_error).toContain('400')
    expect(errorEvent.properties.$ai_error).not.toContain(ERROR_400_BODY.error.message)
  })

  it('redacts base64 images from the input', async () => {
    const image = `data:image/png;base64,${'iVBORw0KGgo'.repeat(50)}`
    const { response } = await stack
      .client()
      .chat.completions.create({
        model: 'gpt-4o-mini',
        user: 'image-user',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: image } }] }],
      })
      .withResponse()
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(JSON.stringify(event.properties.$ai_input)).not.toContain('iVBORw0KGgo')
    expect(JSON.stringify(event.properties.$ai_input)).toContain('[base64 image/png redacted]')
    expect(JSON.stringify(event.properties.$ai_input)).toContain('What is this?')
  })

  it('caps an oversized event under 900 KB with a visible marker instead of dropping it', async () => {
    const huge = 'lorem ipsum '.repeat(79_000) // ~950 KB: under the 1 MiB body limit, over the event cap
    const { response } = await stack
      .client()
      .chat.completions.create({ model: 'gpt-4o-mini', user: 'big-user', messages: [{ role: 'user', content: huge }] })
      .withResponse()
    const event = await stack.eventFor(response.headers.get('x-openstack-request-id'))
    expect(new TextEncoder().encode(JSON.stringify(event.properties)).length).toBeLessThan(900_000)
    expect(JSON.stringify(event.properties.$ai_input)).toContain('truncated by openstack')
  }, 60_000)
})
