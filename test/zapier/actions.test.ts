/**
 * The app as it ships, run by appTester against the real proxy (fake upstream, fake PostHog): the
 * connection, the Model dropdown, and both actions end to end, down to the PostHog event of each call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_MODELS, FAKE_TEXT, FAKE_USAGE } from '../fakes/openai-upstream.ts'
import { runtimes } from '../harness/proxy-process.ts'
import { failure, startZapierStack, type ZapierStack } from './app.ts'
import { outputProblems } from './checks.ts'

/** The stack of the runtime block running now (the blocks run one after the other). */
let z: ZapierStack

const prompt = () => z.app.creates.send_prompt
const chat = () => z.app.creates.send_chat_messages

/** Runs a create's perform with this connection and these inputs. */
function run(create: typeof prompt | typeof chat, inputData: Record<string, unknown>, authData = z.authData()) {
  return z.appTester(create().operation.perform, { authData, inputData }) as Promise<Record<string, unknown>>
}

/** The upstream request of the call, by the user id the proxy saw in the body. */
function upstreamBodyFor(user: string): Record<string, unknown> | undefined {
  return z.stack.upstream.chatRequests.map((request) => request.body as Record<string, unknown>).find((body) => body.user === user)
}

describe.each(runtimes)('the app against the proxy on %s', (runtime) => {
  beforeAll(async () => {
    z = await startZapierStack(runtime)
  })
  afterAll(() => z?.stop())

  describe('the connection', () => {
    it('tests with GET {base_url}/models and the Bearer key', async () => {
      const result = (await z.appTester(z.app.authentication.test, { authData: z.authData() })) as { models: number }
      expect(result.models).toBeGreaterThanOrEqual(FAKE_MODELS.length)
    })

    it('fills the Model dropdown from the hidden list_models trigger: unique ids, sorted, id as name', async () => {
      const models = (await z.appTester(z.app.triggers.list_models.operation.perform, { authData: z.authData() })) as Array<{ id: string; name: string }>
      const ids = models.map((model) => model.id)
      expect(ids).toEqual(expect.arrayContaining(FAKE_MODELS.map((model) => model.id)))
      expect(ids).toEqual([...new Set(ids)].sort((a, b) => a.localeCompare(b)))
      for (const model of models) expect(model).toEqual({ id: model.id, name: model.id })
    })
  })

  describe('Send Prompt', () => {
    it('sends system message + prompt with the options, attributed to the mapped user; output from the answer and the cost header', async () => {
      const output = await run(prompt, {
        model: 'gpt-4o-mini',
        user_id: '  zap-user-prompt  ',
        prompt: 'Say hello',
        system_message: 'Be terse.',
        show_advanced: true,
        // Mapped values arrive as text.
        temperature: '0.2',
        max_tokens: '50',
      })
      expect(outputProblems(output, prompt().operation.outputFields)).toEqual([])
      expect(output).toMatchObject({
        text: FAKE_TEXT,
        model: 'gpt-4o-mini-2024-07-18',
        provider: 'openai',
        finish_reason: 'stop',
        input_tokens: FAKE_USAGE.default.prompt_tokens,
        output_tokens: FAKE_USAGE.default.completion_tokens,
      })
      expect(upstreamBodyFor('zap-user-prompt')).toMatchObject({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'Say hello' },
        ],
        temperature: 0.2,
        max_tokens: 50,
      })

      const event = await z.stack.posthog.waitForEvent((e) => e.distinct_id === 'zap-user-prompt')
      expect(event.event).toBe('$ai_generation')
      expect(event.properties).toMatchObject({ $ai_provider: output.provider, $ai_input_tokens: output.input_tokens, $ai_output_tokens: output.output_tokens })
      // A priced model: the header's figure, which is the event's.
      expect(output.cost_usd).toBeGreaterThan(0)
      expect(output.cost_usd).toBe(event.properties.$ai_total_cost_usd)
    })

    it('falls back to the connection’s Default End User when End User is empty', async () => {
      const output = await run(prompt, { model: 'gpt-4o-mini', user_id: '', prompt: 'Say hello' }, z.authData({ default_user_id: 'team-default-prompt' }))
      expect(output.text).toBe(FAKE_TEXT)
      const event = await z.stack.posthog.waitForEvent((e) => e.distinct_id === 'team-default-prompt')
      expect(event.properties.$ai_input).toEqual([{ role: 'user', content: 'Say hello' }])
    })

    it('prefers the mapped End User over the default', async () => {
      await run(prompt, { model: 'gpt-4o-mini', user_id: 'zap-user-over-default', prompt: 'Hi' }, z.authData({ default_user_id: 'team-unused' }))
      expect(upstreamBodyFor('zap-user-over-default')).toBeDefined()
      expect(upstreamBodyFor('team-unused')).toBeUndefined()
      expect((await z.stack.posthog.waitForEvent((e) => e.distinct_id === 'zap-user-over-default')).distinct_id).toBe('zap-user-over-default')
    })

    it('gives cost_usd null (not 0) for a model without a known price', async () => {
      const output = await run(prompt, { model: 'openai/house-model-7b', user_id: 'zap-user-unpriced', prompt: 'Say hello' })
      // The model as the upstream reports it (the fake echoes the name it got, prefix stripped).
      expect(output).toMatchObject({ model: 'house-model-7b', provider: 'openai', cost_usd: null, input_tokens: 12 })
      expect(outputProblems(output, prompt().operation.outputFields)).toEqual([])
      const event = await z.stack.posthog.waitForEvent((e) => e.distinct_id === 'zap-user-unpriced')
      expect(event.properties).not.toHaveProperty('$ai_total_cost_usd')
    })

    it('asks for a JSON object with JSON Output on, and says so when the answer is not JSON', async () => {
      const error = await failure(run(prompt, { model: 'gpt-4o-mini', user_id: 'zap-user-json', prompt: 'Answer in JSON', json_output: true }))
      expect(upstreamBodyFor('zap-user-json')).toMatchObject({ response_format: { type: 'json_object' } })
      expect(error).toMatchObject({ name: 'AppError', code: 'invalid_json_answer' })
      expect(error.message).toMatch(/not valid JSON\. It starts with: Hello from the fake upstream!/)
    })

    it('leaves Temperature and Max Tokens out while Show Advanced Options is off', async () => {
      await run(prompt, { model: 'gpt-4o-mini', user_id: 'zap-user-hidden-options', prompt: 'Hi', show_advanced: false, temperature: 1.5, max_tokens: 9 })
      const body = upstreamBodyFor('zap-user-hidden-options')
      expect(body).toBeDefined()
      expect(body).not.toHaveProperty('temperature')
      expect(body).not.toHaveProperty('max_tokens')
    })
  })

  describe('Send Chat Messages', () => {
    it('sends the line items in order, attributed to the mapped user, with the same output', async () => {
      const messages = [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        // Zapier hands over empty rows too.
        { role: '', content: '' },
        { role: 'User', content: 'How are you?' },
      ]
      const output = await run(chat, { model: 'gpt-4o', user_id: 'zap-user-chat', messages, show_advanced: 'true', max_tokens: 20 })
      expect(outputProblems(output, chat().operation.outputFields)).toEqual([])
      expect(output).toMatchObject({ text: FAKE_TEXT, model: 'gpt-4o-2024-08-06', provider: 'openai', finish_reason: 'stop', input_tokens: 12, output_tokens: 7 })
      const sent = [messages[0], messages[1], messages[2], { role: 'user', content: 'How are you?' }]
      expect(upstreamBodyFor('zap-user-chat')).toMatchObject({ model: 'gpt-4o', messages: sent, max_tokens: 20 })
      const event = await z.stack.posthog.waitForEvent((e) => e.distinct_id === 'zap-user-chat')
      expect(event.properties.$ai_input).toEqual(sent)
      expect(output.cost_usd).toBeGreaterThan(0)
      expect(output.cost_usd).toBe(event.properties.$ai_total_cost_usd)
    })

    it('falls back to the Default End User; provider and the billed cost of a provider/model id', async () => {
      const output = await run(
        chat,
        { model: 'openrouter/openai/gpt-4o-mini', messages: [{ role: 'user', content: 'scenario:openrouter-cost' }] },
        z.authData({ default_user_id: 'team-default-chat' }),
      )
      // OpenRouter's own billed figure, passed on by the proxy's header.
      expect(output).toMatchObject({ provider: 'openrouter', cost_usd: 0.00042 })
      const event = await z.stack.posthog.waitForEvent((e) => e.distinct_id === 'team-default-chat')
      expect(event.properties).toMatchObject({ $ai_provider: 'openrouter', $ai_total_cost_usd: 0.00042 })
    })
  })
})
