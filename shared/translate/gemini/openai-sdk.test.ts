/**
 * The translated output, served over HTTP from 127.0.0.1, read by the official `openai` SDK unchanged:
 * proof that OpenAI clients of the proxy can use Gemini models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import OpenAI from 'openai'
import { listenOnLoopback } from '../../../test/fakes/http.ts'
import { generateContentToChatCompletion } from './response.ts'
import { GenerateContentToChatStream } from './stream.ts'

const created = 1758842410
const meta = { modelVersion: 'gemini-2.5-flash', responseId: 'RN3FaJ2hEbSvz7IP6Ma6kAQ' }

/** What the next request gets: Gemini events (streamed through the translator) or a Gemini response body. */
let geminiEvents: object[] = []

let server: Server
let client: OpenAI

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')))
    req.on('end', async () => {
      const body = JSON.parse(raw) as { stream?: boolean; stream_options?: { include_usage?: boolean } }
      if (body.stream !== true) {
        const completion = generateContentToChatCompletion(geminiEvents[0], 'gemini-2.5-flash', created)
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion))
        return
      }
      const translator = new GenerateContentToChatStream({
        includeUsage: body.stream_options?.include_usage === true,
        created,
        model: 'gemini-2.5-flash',
      })
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      // One write per upstream event, each flushed before the next, as the proxy relays them.
      for (const event of geminiEvents) await new Promise((resolve) => res.write(translator.push(event), resolve))
      res.end(translator.end())
    })
  })
  const port = await listenOnLoopback(server)
  client = new OpenAI({ apiKey: 'sk-openstack-test', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 })
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const messages = [{ role: 'user' as const, content: 'Why is the sky blue?' }]

describe('translated Gemini output read by the openai SDK', () => {
  it('streams text with a usage chunk', async () => {
    geminiEvents = [
      { candidates: [{ content: { parts: [{ text: 'Rayleigh' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 6, totalTokenCount: 6 }, ...meta },
      { candidates: [{ content: { parts: [{ text: ' scattering.' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 6, totalTokenCount: 6 }, ...meta },
      {
        candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 3, totalTokenCount: 9 },
        ...meta,
      },
    ]
    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let finish: string | null = null
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('Rayleigh scattering.')
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 3, total_tokens: 9 })
  })

  it('assembles streamed tool calls into a final completion', async () => {
    geminiEvents = [
      {
        candidates: [
          {
            content: {
              parts: [
                { functionCall: { name: 'get_weather', args: { location: 'Paris, France', unit: 'celsius' } }, thoughtSignature: 'CsQBAdHtim' },
                { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
              ],
              role: 'model',
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 85, candidatesTokenCount: 42, totalTokenCount: 127 },
        ...meta,
      },
    ]
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } } },
    ]
    const completion = await client.chat.completions
      .stream({ model: 'gemini-2.5-flash', messages, tools, stream_options: { include_usage: true } })
      .finalChatCompletion()
    const choice = completion.choices[0]
    expect(choice?.finish_reason).toBe('tool_calls')
    expect(choice?.message.tool_calls?.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['get_weather', { location: 'Paris, France', unit: 'celsius' }],
      ['get_time', { timezone: 'Europe/Paris' }],
    ])
    expect(choice?.message.tool_calls?.every((c) => /^call_/.test(c.id))).toBe(true)
    expect(completion.usage).toMatchObject({ prompt_tokens: 85, completion_tokens: 42 })
  })

  it('reads a non-streamed completion', async () => {
    geminiEvents = [
      {
        candidates: [{ content: { parts: [{ text: 'Rayleigh scattering.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 3, totalTokenCount: 9 },
        ...meta,
      },
    ]
    const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages })
    expect(completion.id).toBe('RN3FaJ2hEbSvz7IP6Ma6kAQ')
    expect(completion.choices[0]?.message.content).toBe('Rayleigh scattering.')
    expect(completion.usage?.total_tokens).toBe(9)
  })

  it('raises a Gemini error sent mid-stream', async () => {
    geminiEvents = [
      { candidates: [{ content: { parts: [{ text: 'Ray' }], role: 'model' }, index: 0 }], ...meta },
      { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } },
    ]
    const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages, stream: true })
    await expect(async () => {
      for await (const chunk of stream) void chunk
    }).rejects.toThrow('The model is overloaded. Please try again later.')
  })
})
