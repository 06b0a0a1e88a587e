import { describe, expect, it } from 'vitest'
import { choicesFromOutput } from './output.ts'

describe('choicesFromOutput', () => {
  it('gives one assistant message with a text part per output_text part', () => {
    const choices = choicesFromOutput([
      {
        type: 'message',
        id: 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b',
        status: 'completed',
        role: 'assistant',
        content: [
          { type: 'output_text', text: 'In a peaceful grove beneath a silver moon, ', annotations: [] },
          { type: 'output_text', text: 'a unicorn named Lumina discovered a hidden pool.', annotations: [] },
        ],
      },
    ])
    expect(choices).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'In a peaceful grove beneath a silver moon, ' },
          { type: 'text', text: 'a unicorn named Lumina discovered a hidden pool.' },
        ],
      },
    ])
  })

  it('shows a refusal as text', () => {
    const choices = choicesFromOutput([
      {
        type: 'message',
        id: 'msg_1',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'refusal', refusal: "I'm sorry, I can't help with that." }],
      },
    ])
    expect(choices).toEqual([{ role: 'assistant', content: [{ type: 'text', text: "I'm sorry, I can't help with that." }] }])
  })

  it('turns function calls into function parts keyed by call_id, after the text, in output order', () => {
    const choices = choicesFromOutput([
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'The user wants the weather.' }] },
      { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check.' }] },
      {
        type: 'function_call',
        id: 'fc_12345xyz',
        call_id: 'call_12345xyz',
        name: 'get_weather',
        arguments: '{"location":"Paris, France"}',
        status: 'completed',
      },
      { type: 'function_call', id: 'fc_2', call_id: 'call_2', name: 'get_time', arguments: { timezone: 'Europe/Paris' } },
    ])
    expect(choices).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'function', id: 'call_12345xyz', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } },
          { type: 'function', id: 'call_2', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } },
        ],
      },
    ])
  })

  it('has no choice when nothing was output (reasoning only, hosted tool calls, empty text)', () => {
    expect(
      choicesFromOutput([
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'web_search_call', id: 'ws_1', status: 'completed' },
        { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: '' }] },
      ]),
    ).toEqual([])
    expect(choicesFromOutput(undefined)).toEqual([])
    expect(choicesFromOutput('not a list')).toEqual([])
  })
})
