import type { IDataObject, INodeExecutionData } from 'n8n-workflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LmChatOpenStack } from '../../../connectors/n8n/nodes/LmChatOpenStack/LmChatOpenStack.node.ts'
import { OpenStack } from '../../../connectors/n8n/nodes/OpenStack/OpenStack.node.ts'
import { ERROR_400_BODY, FAKE_TEXT } from '../../fakes/openai-upstream.ts'
import { KEYS } from '../../harness/config.ts'
import { type Stack, startStack } from '../../harness/stack.ts'
import { executeContext, fetchResponder, loadOptionsContext, supplyDataContext } from './fake-context.ts'

/** Both nodes against the real proxy (Node build) between a fake OpenAI and a fake PostHog. */
describe('n8n nodes against the real proxy', () => {
  let stack: Stack
  let credentials: { baseUrl: string; apiKey: string }
  beforeAll(async () => {
    stack = await startStack('node')
    credentials = { baseUrl: `${stack.proxy.url}/v1`, apiKey: KEYS.main }
  })
  afterAll(() => stack?.stop())

  function item(overrides: IDataObject): IDataObject {
    return { model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' }, inputType: 'prompt', prompt: 'Say hello', simplify: true, options: {}, ...overrides }
  }

  it("passes the credential test (GET {baseUrl}/models, JSON) and lists the proxy's models", async () => {
    const { ctx } = loadOptionsContext(fetchResponder, credentials)
    const { results } = await new OpenStack().methods.listSearch.searchModels.call(ctx)
    expect(results.length).toBeGreaterThan(0)
    expect(results.map((r) => r.value)).toContain('gpt-4o-mini')
  })

  it('gets the answer, the usage and the cost, and PostHog gets the event for the user', async () => {
    const { ctx } = executeContext([item({ userId: 'n8n-node-user' })], fetchResponder, { credentials })
    const [output] = (await new OpenStack().execute.call(ctx)) as [INodeExecutionData[]]
    expect(output[0]?.json).toMatchObject({ text: FAKE_TEXT, model: 'gpt-4o-mini-2024-07-18', usage: { input_tokens: 12, output_tokens: 7 } })
    expect(output[0]?.json.cost_usd).toBeGreaterThan(0)
    const event = await stack.posthog.waitForEvent((e) => e.distinct_id === 'n8n-node-user')
    expect(event.event).toBe('$ai_generation')
  })

  it("shows the upstream's error message, relayed by the proxy, in a NodeApiError", async () => {
    const { ctx } = executeContext([item({ userId: 'n8n-error-user', prompt: 'scenario:error-400' })], fetchResponder, { credentials })
    const error = await new OpenStack().execute.call(ctx).then(
      () => expect.unreachable('the run succeeded'),
      (e: unknown) => e as Error & { httpCode?: string },
    )
    expect(error.constructor.name).toBe('NodeApiError')
    expect(error.message).toBe(ERROR_400_BODY.error.message)
    expect(error.httpCode).toBe('400')
  })

  it('attributes the chat model sub-node’s calls to its user', async () => {
    const { response } = await new LmChatOpenStack().supplyData.call(
      supplyDataContext({ model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' }, userId: 'n8n-agent-user', options: {} }, credentials),
      0,
    )
    const answer = await (response as { invoke(input: string): Promise<{ content: unknown }> }).invoke('Say hello')
    expect(answer.content).toBe(FAKE_TEXT)
    await stack.posthog.waitForEvent((e) => e.distinct_id === 'n8n-agent-user')
  })
})
