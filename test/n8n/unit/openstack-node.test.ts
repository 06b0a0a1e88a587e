import type { IDataObject, INodeExecutionData } from 'n8n-workflow'
import { describe, expect, it } from 'vitest'
import { OpenStack } from '../../../connectors/n8n/nodes/OpenStack/OpenStack.node.ts'
import { type Responder, completion, executeContext, loadOptionsContext, proxyError } from './fake-context.ts'

const MODEL = { __rl: true, mode: 'list', value: 'openai/gpt-4o-mini' }

/** Parameters of one item as a saved workflow holds them; `simplify` and `options` as n8n fills defaults. */
function item(overrides: IDataObject = {}): IDataObject {
  return { operation: 'message', model: MODEL, inputType: 'prompt', prompt: 'Say hello', userId: 'user-42', simplify: true, options: {}, ...overrides }
}

async function run(items: IDataObject[], respond: Responder = () => completion('Hello!'), continueOnFail = false) {
  const { ctx, sent } = executeContext(items, respond, { continueOnFail })
  const output = await new OpenStack().execute.call(ctx)
  return { output: output[0] as INodeExecutionData[], sent }
}

/** The error a run fails with (the test fails if it succeeds). */
async function failure(items: IDataObject[], respond: Responder = () => completion('Hello!')) {
  const { ctx, sent } = executeContext(items, respond)
  const error: unknown = await new OpenStack().execute.call(ctx).then(
    () => expect.unreachable('the run succeeded'),
    (e: unknown) => e,
  )
  return { error: error as Error & { httpCode?: string | null; description?: string; context?: IDataObject }, sent }
}

describe('OpenStack node: the request', () => {
  it('POSTs {baseUrl}/chat/completions with the Bearer key, the user header and body `user`', async () => {
    const { sent } = await run([item()])
    expect(sent).toHaveLength(1)
    const [{ credentialType, options }] = sent as [(typeof sent)[0]]
    expect(credentialType).toBe('openStackApi')
    expect(options.method).toBe('POST')
    // The credential's trailing slash does not double.
    expect(options.url).toBe('http://127.0.0.1:8080/v1/chat/completions')
    expect(options.headers).toMatchObject({ Authorization: 'Bearer sk-openstack-test', 'X-Openstack-User': 'user-42' })
    expect(options.body).toEqual({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], user: 'user-42' })
    expect(options.returnFullResponse).toBe(true)
  })

  it('sends the system message first, then the messages in order, and maps every option', async () => {
    const { sent } = await run([
      item({
        model: { __rl: true, mode: 'id', value: 'anthropic/claude-sonnet-4-5' },
        inputType: 'messages',
        systemMessage: 'Answer in French.',
        messages: {
          values: [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Bonjour' },
            { role: 'user', content: 'How are you?' },
          ],
        },
        options: { temperature: 0.2, maxTokens: 50, topP: 0.9, frequencyPenalty: 0.5, presencePenalty: -0.5 },
      }),
    ])
    expect(sent[0]?.options.body).toEqual({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: 'How are you?' },
      ],
      user: 'user-42',
      temperature: 0.2,
      max_tokens: 50,
      top_p: 0.9,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
    })
  })

  it('takes a model typed as a plain id, and a numeric user id as text', async () => {
    const { sent } = await run([item({ model: 'gpt-4o', userId: 42 })])
    expect(sent[0]?.options.body).toMatchObject({ model: 'gpt-4o', user: '42' })
    expect(sent[0]?.options.headers).toMatchObject({ 'X-Openstack-User': '42' })
  })

  it('trims the user id, and sends a non-ASCII id in the body only (no HTTP client accepts it in a header)', async () => {
    const { sent } = await run([item({ userId: '  user-7 ' }), item({ userId: '用户-7' })])
    expect(sent[0]?.options.body).toMatchObject({ user: 'user-7' })
    expect(sent[0]?.options.headers).toMatchObject({ 'X-Openstack-User': 'user-7' })
    expect(sent[1]?.options.body).toMatchObject({ user: '用户-7' })
    expect(sent[1]?.options.headers).not.toHaveProperty('X-Openstack-User')
  })
})

describe('OpenStack node: the output', () => {
  it('simplifies to text, model, usage and cost_usd from the X-Openstack-Cost-Usd header', async () => {
    const { output } = await run([item()], () => completion('Hello!', { costUsd: '0.000123' }))
    expect(output).toEqual([
      {
        json: {
          text: 'Hello!',
          model: 'gpt-4o-mini-2024-07-18',
          usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, input_tokens: 12, output_tokens: 7 },
          cost_usd: 0.000123,
        },
        pairedItem: { item: 0 },
      },
    ])
  })

  it('gives cost_usd null when the proxy sends no cost (unknown price)', async () => {
    const { output } = await run([item()])
    expect(output[0]?.json.cost_usd).toBeNull()
  })

  it('returns the whole completion when Simplify Output is off', async () => {
    const answer = completion('Hello!', { costUsd: '0.5' })
    const { output } = await run([item({ simplify: false })], () => answer)
    expect(output[0]).toEqual({ json: answer.body, pairedItem: { item: 0 } })
  })

  it('asks for a JSON object and parses the answer with Output Content as JSON', async () => {
    const { output, sent } = await run([item({ options: { jsonOutput: true } })], () => completion('{"city":"Paris","score":3}'))
    expect(sent[0]?.options.body).toMatchObject({ response_format: { type: 'json_object' } })
    expect(output[0]?.json.text).toEqual({ city: 'Paris', score: 3 })
  })

  it('fails the item when the JSON answer does not parse', async () => {
    const { error } = await failure([item({ options: { jsonOutput: true } })], () => completion('not json'))
    expect(error.message).toBe("The model's answer is not valid JSON")
  })

  it('gives every item its pairedItem, in order', async () => {
    const { output, sent } = await run([item({ userId: 'a' }), item({ userId: 'b' }), item({ userId: 'c' })])
    expect(output.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }])
    expect(sent.map((s) => (s.options.body as IDataObject).user)).toEqual(['a', 'b', 'c'])
  })
})

describe('OpenStack node: errors', () => {
  it("throws a NodeApiError carrying the proxy's own message and status", async () => {
    const message = 'No route for model "nope/x": configured providers are openai, anthropic'
    const { error } = await failure([item()], () => proxyError(400, message, 'invalid_request_error', 'model_not_found'))
    expect(error.constructor.name).toBe('NodeApiError')
    expect(error.message).toBe(message)
    expect(error.httpCode).toBe('400')
    expect(error.description).toBe('invalid_request_error (model_not_found)')
  })

  it('names the status when an error body says nothing readable', async () => {
    const { error } = await failure([item()], () => ({ statusCode: 502, headers: {}, body: 'Bad Gateway' }))
    expect(error.constructor.name).toBe('NodeApiError')
    expect(error.message).toBe('upstream returned HTTP 502')
  })

  it('wraps a transport failure in a NodeApiError', async () => {
    const { error } = await failure([item()], () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' })
    })
    expect(error.constructor.name).toBe('NodeApiError')
  })

  it('with Continue on Fail, turns each failed item into { error } and goes on', async () => {
    const respond: Responder = (options) =>
      (options.body as IDataObject).user === 'bad' ? proxyError(401, 'Invalid API key') : completion('Hello!')
    const { output, sent } = await run([item(), item({ userId: 'bad' }), item({ userId: ' ' }), item()], respond, true)
    expect(output).toHaveLength(4)
    expect(output[0]?.json.text).toBe('Hello!')
    expect(output[1]).toEqual({ json: { error: 'Invalid API key' }, pairedItem: { item: 1 } })
    expect(output[2]?.pairedItem).toEqual({ item: 2 })
    expect(output[2]?.json.error).toMatch(/^User ID is empty/)
    expect(output[3]?.json.text).toBe('Hello!')
    // The item without a user id sent nothing.
    expect(sent).toHaveLength(3)
  })

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
  ])('fails a %s user id with a NodeOperationError before any request', async (_, userId) => {
    const params = item()
    if (userId === undefined) delete params.userId
    else params.userId = userId
    const { error, sent } = await failure([params])
    expect(error.constructor.name).toBe('NodeOperationError')
    expect(error.message).toMatch(/^User ID is empty: set it to a stable ID of the end user/)
    expect(error.context?.itemIndex).toBe(0)
    expect(sent).toHaveLength(0)
  })

  it('refuses a user id the proxy would refuse (over 200 characters, control characters)', async () => {
    const long = await failure([item({ userId: 'u'.repeat(201) })])
    expect(long.error.message).toMatch(/^Invalid User ID: .*201 characters long; the limit is 200/)
    expect(long.sent).toHaveLength(0)
    const control = await failure([item({ userId: 'a\nb' })])
    expect(control.error.message).toMatch(/control characters/)
  })

  it('fails an empty prompt or an empty message list before any request', async () => {
    expect((await failure([item({ prompt: ' ' })])).error.message).toBe('Prompt is empty')
    const noMessages = await failure([item({ inputType: 'messages', messages: {} })])
    expect(noMessages.error.message).toBe('Add at least one message under Messages')
    expect(noMessages.sent).toHaveLength(0)
  })
})

describe('OpenStack node: model list', () => {
  it('lists the models of GET {baseUrl}/models, filtered and sorted', async () => {
    const { ctx, sent } = loadOptionsContext(() => ({
      statusCode: 200,
      headers: {},
      body: { object: 'list', data: [{ id: 'openai/gpt-4o-mini' }, { id: 'anthropic/claude-sonnet-4-5' }, { id: 'openai/gpt-4o' }] },
    }))
    const search = new OpenStack().methods.listSearch.searchModels
    expect(await search.call(ctx)).toEqual({
      results: [
        { name: 'anthropic/claude-sonnet-4-5', value: 'anthropic/claude-sonnet-4-5' },
        { name: 'openai/gpt-4o', value: 'openai/gpt-4o' },
        { name: 'openai/gpt-4o-mini', value: 'openai/gpt-4o-mini' },
      ],
    })
    expect((await search.call(ctx, 'GPT-4O-')).results.map((r) => r.value)).toEqual(['openai/gpt-4o-mini'])
    expect(sent[0]?.options).toMatchObject({ method: 'GET', url: 'http://127.0.0.1:8080/v1/models' })
    expect(sent[0]?.options.headers).toMatchObject({ Authorization: 'Bearer sk-openstack-test' })
  })

  it('says so when the answer is not an OpenAI model list', async () => {
    const { ctx } = loadOptionsContext(() => ({ statusCode: 200, headers: {}, body: '<html>login</html>' }))
    await expect(new OpenStack().methods.listSearch.searchModels.call(ctx)).rejects.toThrow(/without an OpenAI model list/)
  })
})

describe('OpenStack node: description', () => {
  it('is the programmatic, tool-usable "OpenStack" node with Message a Model', () => {
    const { description } = new OpenStack()
    expect(description).toMatchObject({ name: 'openStack', displayName: 'OpenStack', version: 1, usableAsTool: true })
    expect(description.credentials).toEqual([{ name: 'openStackApi', required: true }])
    const names = description.properties.map((p) => p.name)
    for (const name of ['resource', 'operation', 'model', 'inputType', 'prompt', 'messages', 'systemMessage', 'userId', 'simplify', 'options']) {
      expect(names).toContain(name)
    }
    expect(description.properties.find((p) => p.name === 'userId')).toMatchObject({ required: true })
    const options = description.properties.find((p) => p.name === 'options')?.options?.map((o) => o.name)
    expect(options?.sort()).toEqual(['frequencyPenalty', 'jsonOutput', 'maxTokens', 'presencePenalty', 'temperature', 'topP'])
  })
})
