/**
 * The official `openai` SDK must read the translation unchanged: its own stream parser, its
 * ChatCompletionStream helper and its error handling are fed the translator's output, chunk by chunk,
 * through the SDK's `fetch` option.
 */
import { describe, expect, it } from 'vitest'
import OpenAI, { APIError } from 'openai'
import { ERROR_STREAM, readEvents, TEXT_STREAM, TOOL_STREAM } from '../../apis/anthropic/fixtures.ts'
import { messagesToChatCompletion } from './response.ts'
import { MessagesToChatStream } from './stream.ts'

const created = 1_760_000_000

/** The client SSE chunks for an Anthropic stream, one per upstream event that produced output. */
function translatedChunks(sse: string, includeUsage: boolean): string[] {
  const translator = new MessagesToChatStream({ includeUsage, created })
  const chunks = readEvents(sse).map(({ event, data }) => translator.push(data, event))
  chunks.push(translator.end())
  return chunks.filter((chunk) => chunk !== '')
}

function sseResponse(chunks: string[]): Response {
  const encoder = new TextEncoder()
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    // One chunk per read, so the SDK parses the stream as it arrives.
    pull(controller) {
      const chunk = chunks[i++]
      if (chunk === undefined) controller.close()
      else controller.enqueue(encoder.encode(chunk))
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } })
}

function client(respond: () => Response): OpenAI {
  return new OpenAI({ apiKey: 'sk-openstack-test', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: async () => respond() })
}

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } }, required: ['location'] },
  },
}
const messages = [{ role: 'user' as const, content: 'What is the weather in San Francisco?' }]

describe('the openai SDK reads the translation', () => {
  it('streams text deltas, the finish reason and the usage chunk', async () => {
    const openai = client(() => sseResponse(translatedChunks(TEXT_STREAM, true)))
    const stream = await openai.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    const finishReasons: (string | null)[] = []
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk')
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.choices[0]) finishReasons.push(chunk.choices[0].finish_reason)
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('Hello!')
    expect(finishReasons.at(-1)).toBe('stop')
    expect(usage).toEqual({ prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0 } })
  })

  it("merges streamed tool calls with the SDK's ChatCompletionStream helper", async () => {
    const openai = client(() => sseResponse(translatedChunks(TOOL_STREAM, true)))
    const stream = openai.chat.completions.stream({
      model: 'claude-sonnet-4-5',
      messages,
      tools: [weatherTool],
      stream_options: { include_usage: true },
    })
    const argumentsDone: string[] = []
    stream.on('tool_calls.function.arguments.done', (event) => argumentsDone.push(event.arguments))
    const completion = await stream.finalChatCompletion()

    expect(completion.id).toBe('msg_014p7gG3wDgGV9EUtLvnow3U')
    expect(completion.model).toBe('claude-sonnet-4-5-20250929')
    const choice = completion.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.content).toBe("Okay, let's check the weather for San Francisco, CA:")
    expect(choice.message.tool_calls).toEqual([
      {
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}' },
      },
    ])
    expect(JSON.parse(argumentsDone[0]!)).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' })
    expect(completion.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 })
  })

  it('raises an Anthropic error event mid-stream as an APIError with its message', async () => {
    const openai = client(() => sseResponse(translatedChunks(ERROR_STREAM, false)))
    const stream = await openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true })
    let text = ''
    const read = (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    })()
    await expect(read).rejects.toSatisfy((error) => error instanceof APIError && error.message === 'Overloaded' && error.type === 'overloaded_error')
    expect(text).toBe('Once upon')
  })

  it('reads a translated non-streamed answer with tool calls', async () => {
    const message = {
      id: 'msg_01Aq9w938a90dw8q',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: 'tool_use',
      stop_sequence: null,
      content: [
        { type: 'text', text: "I'll check the current weather in San Francisco for you." },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } },
      ],
      usage: { input_tokens: 472, cache_read_input_tokens: 100, output_tokens: 89 },
    }
    const openai = client(() => Response.json(messagesToChatCompletion(message, created)))
    const completion = await openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages, tools: [weatherTool] })
    const toolCall = completion.choices[0]?.message.tool_calls?.[0]
    expect(toolCall?.type === 'function' && JSON.parse(toolCall.function.arguments)).toEqual({ location: 'San Francisco, CA' })
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(100)
    expect(completion.usage?.prompt_tokens).toBe(572)
  })
})
