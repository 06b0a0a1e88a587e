import { describe, expect, it } from 'vitest'
import { ERROR_STREAM, readEvents, TEXT_STREAM, THINKING_STREAM, TOOL_STREAM } from '../../apis/anthropic/fixtures.ts'
import { MessagesToChatStream } from './stream.ts'

const created = 1_760_000_000

/** The translator's output for a whole Anthropic stream, as the client's `data:` payloads. */
function translate(sse: string, includeUsage: boolean, events = readEvents(sse)): string[] {
  const translator = new MessagesToChatStream({ includeUsage, created })
  let out = ''
  for (const { event, data } of events) out += translator.push(data, event)
  out += translator.end()
  expect(out).toMatch(/^(data: [^\n]*\n\n)*$/)
  return out.split('\n\n').filter(Boolean).map((frame) => frame.slice('data: '.length))
}

function parsed(payloads: string[]): Record<string, unknown>[] {
  return payloads.filter((p) => p !== '[DONE]').map((p) => JSON.parse(p) as Record<string, unknown>)
}

const envelope = { id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', object: 'chat.completion.chunk', created, model: 'claude-sonnet-4-5-20250929' }

describe('MessagesToChatStream', () => {
  it('writes the role, each text delta, the finish reason and [DONE]', () => {
    const payloads = translate(TEXT_STREAM, false)
    expect(payloads.at(-1)).toBe('[DONE]')
    expect(parsed(payloads)).toEqual([
      { ...envelope, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: 'Hello' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: '!' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] },
    ])
  })

  it('adds usage: null to every chunk and a usage chunk before [DONE] when the client asked for usage', () => {
    const chunks = parsed(translate(TEXT_STREAM, true))
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true)
    expect(chunks.at(-1)).toEqual({
      ...envelope,
      choices: [],
      usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0 } },
    })
  })

  it('writes a tool call as a head delta (index, id, type, name, empty arguments) then argument fragments', () => {
    const chunks = parsed(translate(TOOL_STREAM, false))
    const toolDeltas = chunks.map((c) => (c.choices as { delta: { tool_calls?: unknown[] } }[])[0]?.delta.tool_calls).filter(Boolean)
    expect(toolDeltas[0]).toEqual([
      { index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } },
    ])
    // The empty first fragment is not sent; the others are, in order.
    expect(toolDeltas.slice(1)).toEqual(
      ['{"location":', ' "San', ' Francisc', 'o,', ' CA"', ', ', '"unit": "fah', 'renheit"}'].map((arguments_) => [
        { index: 0, function: { arguments: arguments_ } },
      ]),
    )
    expect((chunks.at(-1)?.choices as { finish_reason: string }[])[0]?.finish_reason).toBe('tool_calls')
  })

  it('numbers tool calls from 0 whatever their content block index', () => {
    const translator = new MessagesToChatStream({ includeUsage: false, created })
    translator.push({ type: 'message_start', message: { id: 'msg_1', model: 'claude-haiku-4-5', usage: { input_tokens: 5, output_tokens: 1 } } }, null)
    translator.push({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, null)
    const first = translator.push({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_a', name: 'a', input: {} } }, null)
    const second = translator.push({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_b', name: 'b', input: {} } }, null)
    const args = translator.push({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } }, null)
    expect(first).toContain('"tool_calls":[{"index":0,"id":"toolu_a"')
    expect(second).toContain('"tool_calls":[{"index":1,"id":"toolu_b"')
    expect(args).toContain('"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]')
  })

  it('leaves thinking out', () => {
    const text = parsed(translate(THINKING_STREAM, false))
      .map((c) => (c.choices as { delta: { content?: string } }[])[0]?.delta.content ?? '')
      .join('')
    expect(text).toBe('The greatest common divisor (GCD) of 1071 and 462 is **21**.')
  })

  it('turns an error event into an OpenAI error event and writes nothing after it', () => {
    const payloads = translate(ERROR_STREAM, true)
    expect(payloads).not.toContain('[DONE]')
    expect(JSON.parse(payloads.at(-1)!)).toEqual({ error: { message: 'Overloaded', type: 'overloaded_error', param: null, code: null } })
    expect(parsed(payloads).map((c) => (c.choices as { delta: { content?: string } }[] | undefined)?.[0]?.delta.content)).toEqual([
      '',
      'Once upon',
      undefined,
    ])
  })

  it('tells the client when the upstream stream was cut before the stop reason', () => {
    const events = readEvents(TEXT_STREAM)
    const payloads = translate(TEXT_STREAM, false, events.slice(0, 4))
    expect(JSON.parse(payloads.at(-1)!)).toEqual({
      error: { message: 'The Anthropic stream ended before the message was complete.', type: 'api_error', param: null, code: null },
    })
  })

  it('completes a stream cut after its stop reason (only message_stop missing)', () => {
    const events = readEvents(TEXT_STREAM)
    const payloads = translate(TEXT_STREAM, true, events.slice(0, -1))
    expect(payloads.at(-1)).toBe('[DONE]')
    expect(JSON.parse(payloads.at(-2)!).usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 15 })
  })

  it('ignores events it cannot read', () => {
    const translator = new MessagesToChatStream({ includeUsage: false, created })
    expect(translator.push(null, null)).toBe('')
    expect(translator.push({ type: 'ping' }, 'ping')).toBe('')
    expect(translator.push({ type: 'content_block_delta', index: 5, delta: { type: 'input_json_delta', partial_json: '{' } }, null)).toBe('')
  })
})
