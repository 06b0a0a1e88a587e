import type { IDataObject } from 'n8n-workflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LmChatOpenStack } from '../../../connectors/n8n/nodes/LmChatOpenStack/LmChatOpenStack.node.ts'
import { FAKE_TEXT, type FakeOpenAI, startFakeOpenAI } from '../../fakes/openai-upstream.ts'
import { CREDENTIALS, supplyDataContext } from './fake-context.ts'

/** What the tests read of the LangChain ChatOpenAI that supplyModel builds (@langchain/openai is n8n's copy, not ours). */
interface SuppliedModel {
  model: string
  clientConfig: { baseURL?: string; defaultHeaders?: Record<string, string> }
  modelKwargs?: Record<string, unknown>
  caller: { maxRetries: number }
  invoke(input: string): Promise<{ content: unknown }>
}

const PARAMS: IDataObject = { model: { __rl: true, mode: 'list', value: 'gpt-4o-mini' }, userId: 'user-42', options: {} }

async function supply(params: IDataObject, credentials = CREDENTIALS) {
  const { response } = await new LmChatOpenStack().supplyData.call(supplyDataContext(params, credentials), 0)
  return response as SuppliedModel
}

describe('OpenStack Chat Model: the model client', () => {
  it('points the OpenAI client at the proxy with the user in the header and in the body kwargs', async () => {
    const model = await supply({
      ...PARAMS,
      options: { temperature: 0.3, maxTokens: 200, topP: 0.8, frequencyPenalty: 0.1, presencePenalty: 0.2, timeout: 5000, maxRetries: 1 },
    })
    expect(model.constructor.name).toBe('ChatOpenAI')
    expect(model.model).toBe('gpt-4o-mini')
    expect(model.clientConfig.baseURL).toBe('http://127.0.0.1:8080/v1')
    expect(model.clientConfig.defaultHeaders).toEqual({ 'X-Openstack-User': 'user-42' })
    expect(model.modelKwargs).toEqual({ user: 'user-42' })
    expect(model).toMatchObject({ temperature: 0.3, maxTokens: 200, topP: 0.8, frequencyPenalty: 0.1, presencePenalty: 0.2, timeout: 5000 })
    expect(model.caller.maxRetries).toBe(1)
  })

  it.each([
    ['missing', undefined],
    ['blank', '  '],
  ])('refuses a %s user id with a NodeOperationError, so no model is handed to the agent', async (_, userId) => {
    const error: unknown = await supply({ ...PARAMS, userId }).then(
      () => expect.unreachable('a model was supplied'),
      (e: unknown) => e,
    )
    expect((error as Error).constructor.name).toBe('NodeOperationError')
    expect((error as Error).message).toMatch(/^User ID is empty/)
  })
})

describe('OpenStack Chat Model: what reaches the wire', () => {
  let upstream: FakeOpenAI
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
  })
  afterAll(() => upstream.close())

  // The SDK's own `user` option is silently dropped; this call proves the body field really leaves.
  it('sends Authorization, X-Openstack-User and body `user` on a real call', async () => {
    const model = await supply(PARAMS, { baseUrl: upstream.url, apiKey: 'sk-openstack-test' })
    const answer = await model.invoke('Say hello')
    expect(answer.content).toBe(FAKE_TEXT)
    const [request] = upstream.chatRequests
    expect(request?.path).toBe('/v1/chat/completions')
    expect(request?.headers).toMatchObject({ authorization: 'Bearer sk-openstack-test', 'x-openstack-user': 'user-42' })
    expect(request?.body).toMatchObject({ model: 'gpt-4o-mini', user: 'user-42', messages: [{ role: 'user', content: 'Say hello' }] })
  })
})

describe('OpenStack Chat Model: description', () => {
  it('is a language-model sub-node with the model, the required user id and the options', () => {
    const { description } = new LmChatOpenStack()
    expect(description).toMatchObject({ name: 'lmChatOpenStack', displayName: 'OpenStack Chat Model', inputs: [], outputs: ['ai_languageModel'] })
    expect(description.credentials).toEqual([{ name: 'openStackApi', required: true }])
    expect(description.properties.find((p) => p.name === 'model')).toMatchObject({ type: 'resourceLocator' })
    expect(description.properties.find((p) => p.name === 'userId')).toMatchObject({ required: true })
    const options = description.properties.find((p) => p.name === 'options')?.options?.map((o) => o.name)
    expect(options?.sort()).toEqual(['frequencyPenalty', 'maxRetries', 'maxTokens', 'presencePenalty', 'temperature', 'timeout', 'topP'])
  })
})
