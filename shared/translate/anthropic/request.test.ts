import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../types.ts'
import { chatToMessagesRequest } from './request.ts'

const options = { defaultMaxTokens: 4096 }
const hello = [{ role: 'user', content: 'Hello!' }]

function translated(chat: JsonObject): JsonObject {
  const result = chatToMessagesRequest(chat, 'claude-sonnet-4-5', options)
  if (!result.ok) throw new Error(`refused: ${result.message} (${result.param})`)
  return result.body
}

function refused(chat: JsonObject) {
  const result = chatToMessagesRequest(chat, 'claude-sonnet-4-5', options)
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.body)}`)
  return result
}

describe('chatToMessagesRequest', () => {
  it('translates what LangChain (n8n) sends, neutral defaults included', () => {
    const chat: JsonObject = {
      model: 'anthropic/claude-sonnet-4-5',
      temperature: 0.7,
      top_p: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
      n: 1,
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-42',
      messages: [
        { role: 'system', content: 'You are a helpful assistant' },
        { role: 'user', content: 'What is the weather in Paris?' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        },
      ],
    }
    expect(translated(chat)).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'You are a helpful assistant',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      temperature: 0.7,
      tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      metadata: { user_id: 'user-42' },
      stream: true,
    })
  })

  it('takes max_completion_tokens, then max_tokens, then the default', () => {
    expect(translated({ model: 'x', messages: hello, max_completion_tokens: 300, max_tokens: 100 }).max_tokens).toBe(300)
    expect(translated({ model: 'x', messages: hello, max_tokens: 100 }).max_tokens).toBe(100)
    expect(translated({ model: 'x', messages: hello, max_tokens: null }).max_tokens).toBe(4096)
    expect(refused({ model: 'x', messages: hello, max_tokens: 0 })).toEqual({
      ok: false,
      message: 'max_tokens must be a positive integer.',
      param: 'max_tokens',
    })
  })

  it('sends temperature, top_p, top_k and stop sequences', () => {
    const body = translated({ model: 'x', messages: hello, temperature: 0, top_p: 0.9, top_k: 40, stop: '\n\n' })
    expect(body).toMatchObject({ temperature: 0, top_p: 0.9, top_k: 40, stop_sequences: ['\n\n'] })
    expect(translated({ model: 'x', messages: hello, stop: ['END', 'STOP'] }).stop_sequences).toEqual(['END', 'STOP'])
    expect(translated({ model: 'x', messages: hello, stop: [] })).not.toHaveProperty('stop_sequences')
    expect(refused({ model: 'x', messages: hello, temperature: 'hot' }).param).toBe('temperature')
  })

  it('translates tool_choice and parallel_tool_calls', () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }]
    const body = translated({
      model: 'x',
      messages: hello,
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    })
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: true })
  })

  it('translates a json_schema response format into Anthropic structured outputs', () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, date: { type: 'string' }, participants: { type: 'array', items: { type: 'string' } } },
      required: ['name', 'date', 'participants'],
      additionalProperties: false,
    }
    const body = translated({
      model: 'x',
      messages: hello,
      response_format: { type: 'json_schema', json_schema: { name: 'calendar_event', strict: true, schema } },
    })
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } })
    expect(translated({ model: 'x', messages: hello, response_format: { type: 'text' } })).not.toHaveProperty('output_config')
  })

  it('refuses json_object (no schema to give Anthropic) and a json_schema without schema', () => {
    expect(refused({ model: 'x', messages: hello, response_format: { type: 'json_object' } })).toEqual({
      ok: false,
      message:
        "response_format is not supported for Anthropic models: Anthropic has no JSON mode without a schema; use {type:'json_schema'} with a schema.",
      param: 'response_format',
    })
    expect(refused({ model: 'x', messages: hello, response_format: { type: 'json_schema', json_schema: { name: 'x' } } }).param).toBe(
      'response_format.json_schema.schema',
    )
  })

  it.each([
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 3 }, 'top_logprobs'],
    [{ frequency_penalty: 0.5 }, 'frequency_penalty'],
    [{ presence_penalty: -1 }, 'presence_penalty'],
    [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
    [{ modalities: ['text', 'audio'] }, 'modalities'],
    [{ reasoning_effort: 'high' }, 'reasoning_effort'],
    [{ functions: [{ name: 'f' }] }, 'functions'],
    [{ verbosity: 'low' }, 'verbosity'],
    [{ repetition_penalty: 1.1 }, 'repetition_penalty'],
  ])('refuses %j, naming the parameter', (extra, param) => {
    const result = refused({ model: 'x', messages: hello, ...extra })
    expect(result.param).toBe(param)
    expect(result.message).toMatch(new RegExp(`^${param} is not supported for Anthropic models: `))
  })

  it('reads null parameters as absent, and accepts neutral values', () => {
    const body = translated({
      model: 'x',
      messages: hello,
      temperature: null,
      n: 1,
      logprobs: false,
      logit_bias: {},
      reasoning_effort: null,
      seed: 42,
      modalities: ['text'],
    })
    expect(body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'Hello!' }] })
  })

  it('reports a problem inside the messages with its path', () => {
    const chat: JsonObject = {
      model: 'x',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,SUkqAA==' } }] }],
    }
    expect(refused(chat)).toEqual({
      ok: false,
      message: "Unsupported image type 'image/tiff': Anthropic models accept image/jpeg, image/png, image/gif, image/webp.",
      param: 'messages[0].content[0].image_url.url',
    })
  })

  it('does not change the request it reads', () => {
    const chat: JsonObject = { model: 'x', messages: [{ role: 'user', content: 'Hi' }, { role: 'user', content: 'there' }], stop: 'END' }
    const copy = structuredClone(chat)
    translated(chat)
    expect(chat).toEqual(copy)
  })
})
