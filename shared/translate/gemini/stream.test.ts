import { describe, expect, it } from 'vitest'
import { SseSplitter } from '../../sse/index.ts'
import { GenerateContentToChatStream } from './stream.ts'

const created = 1758842410
const meta = { modelVersion: 'gemini-2.5-flash', responseId: 'RN3FaJ2hEbSvz7IP6Ma6kAQ' }

/** Runs Gemini events through the translator; returns each output event's data (parsed, or `[DONE]`). */
function translate(events: object[], includeUsage: boolean): unknown[] {
  const translator = new GenerateContentToChatStream({ includeUsage, created, model: 'gemini-2.5-flash' })
  const text = events.map((e) => translator.push(e)).join('') + translator.end()
  return new SseSplitter().push(text).map((e) => (e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data ?? 'null')))
}

const envelope = { id: 'RN3FaJ2hEbSvz7IP6Ma6kAQ', object: 'chat.completion.chunk', created, model: 'gemini-2.5-flash' }
const delta = (d: object, finish: string | null = null, index = 0) => ({ index, delta: d, logprobs: null, finish_reason: finish })

describe('GenerateContentToChatStream', () => {
  it('streams text as content deltas, then the finish reason, usage and [DONE]', () => {
    const out = translate(
      [
        {
          candidates: [{ content: { parts: [{ text: 'The sky is blue because' }], role: 'model' }, index: 0 }],
          usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 },
          ...meta,
        },
        {
          candidates: [{ content: { parts: [{ text: ' of Rayleigh scattering.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 9, thoughtsTokenCount: 21, totalTokenCount: 37 },
          ...meta,
        },
      ],
      true,
    )
    expect(out).toEqual([
      { ...envelope, choices: [delta({ role: 'assistant', content: '', refusal: null })], usage: null },
      { ...envelope, choices: [delta({ content: 'The sky is blue because' })], usage: null },
      { ...envelope, choices: [delta({ content: ' of Rayleigh scattering.' })], usage: null },
      { ...envelope, choices: [delta({}, 'stop')], usage: null },
      {
        ...envelope,
        choices: [],
        usage: {
          prompt_tokens: 7,
          completion_tokens: 30,
          total_tokens: 37,
          prompt_tokens_details: { cached_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 21 },
        },
      },
      '[DONE]',
    ])
  })

  it('sends no usage chunk (and no usage field) unless asked', () => {
    const out = translate(
      [
        {
          candidates: [{ content: { parts: [{ text: 'Hi' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1, totalTokenCount: 3 },
          ...meta,
        },
      ],
      false,
    )
    expect(out).toEqual([
      { ...envelope, choices: [delta({ role: 'assistant', content: '', refusal: null })] },
      { ...envelope, choices: [delta({ content: 'Hi' })] },
      { ...envelope, choices: [delta({}, 'stop')] },
      '[DONE]',
    ])
  })

  it('emits each whole function call as one tool-call delta and finishes with tool_calls', () => {
    const out = translate(
      [
        { candidates: [{ content: { parts: [{ text: '**Planning**', thought: true }], role: 'model' }, index: 0 }], ...meta },
        {
          candidates: [
            {
              content: {
                parts: [
                  { functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: 'CsQBAdHtim' },
                  { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
                ],
                role: 'model',
              },
              finishReason: 'STOP',
              index: 0,
            },
          ],
          ...meta,
        },
      ],
      false,
    )
    const id = expect.stringMatching(/^call_/)
    expect(out).toEqual([
      { ...envelope, choices: [delta({ role: 'assistant', content: '', refusal: null })] },
      {
        ...envelope,
        choices: [
          delta({
            tool_calls: [
              {
                index: 0,
                id,
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
                extra_content: { google: { thought_signature: 'CsQBAdHtim' } },
              },
            ],
          }),
        ],
      },
      { ...envelope, choices: [delta({ tool_calls: [{ index: 1, id, type: 'function', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } }] })] },
      { ...envelope, choices: [delta({}, 'tool_calls')] },
      '[DONE]',
    ])
  })

  it('keeps candidates apart and reports safety stops as content_filter', () => {
    const out = translate(
      [
        {
          candidates: [
            { content: { parts: [{ text: 'Red' }], role: 'model' }, index: 0 },
            { content: { parts: [{ text: 'Blue' }], role: 'model' }, index: 1 },
          ],
          ...meta,
        },
        { candidates: [{ finishReason: 'SAFETY', index: 1 }, { finishReason: 'MAX_TOKENS', index: 0 }], ...meta },
      ],
      false,
    )
    expect(out.slice(0, -1).map((c) => (c as { choices: unknown[] }).choices[0])).toEqual([
      delta({ role: 'assistant', content: '', refusal: null }, null, 0),
      delta({ content: 'Red' }, null, 0),
      delta({ role: 'assistant', content: '', refusal: null }, null, 1),
      delta({ content: 'Blue' }, null, 1),
      delta({}, 'content_filter', 1),
      delta({}, 'length', 0),
    ])
  })

  it('answers a blocked prompt with a filtered empty choice', () => {
    const out = translate([{ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, ...meta }], false)
    expect(out).toEqual([
      { ...envelope, choices: [delta({ role: 'assistant', content: '', refusal: null })] },
      { ...envelope, choices: [delta({}, 'content_filter')] },
      '[DONE]',
    ])
  })

  it('turns an error event into an OpenAI error event and stops', () => {
    const translator = new GenerateContentToChatStream({ includeUsage: true, created, model: 'gemini-2.5-flash' })
    translator.push({ candidates: [{ content: { parts: [{ text: 'Hel' }], role: 'model' }, index: 0 }], ...meta })
    const error = translator.push({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } })
    expect(error).toBe(
      `data: ${JSON.stringify({ error: { message: 'The model is overloaded. Please try again later.', type: 'server_error', param: null, code: 'unavailable' } })}\n\n`,
    )
    expect(translator.push({ candidates: [{ content: { parts: [{ text: 'lo' }] }, index: 0 }] })).toBe('')
    expect(translator.end()).toBe('')
  })

  it('generates a chatcmpl id when Gemini gives none', () => {
    const [first] = translate([{ candidates: [{ content: { parts: [{ text: 'x' }], role: 'model' }, index: 0 }] }], false)
    expect((first as { id: string }).id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/)
  })
})
