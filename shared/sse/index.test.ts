import { describe, expect, it } from 'vitest'
import { SseSplitter } from './index.ts'

describe('SseSplitter', () => {
  it('returns each complete event with its raw text and data', () => {
    const splitter = new SseSplitter()
    const events = splitter.push('data: {"a":1}\n\ndata: [DONE]\n\n')
    expect(events).toEqual([
      { raw: 'data: {"a":1}\n\n', data: '{"a":1}', event: null },
      { raw: 'data: [DONE]\n\n', data: '[DONE]', event: null },
    ])
    expect(splitter.rest).toBe('')
  })

  it('holds a partial event until its blank line arrives, however the text is split', () => {
    const splitter = new SseSplitter()
    expect(splitter.push('data: {"cho')).toEqual([])
    expect(splitter.push('ices":[]}\n')).toEqual([])
    expect(splitter.rest).toBe('data: {"choices":[]}\n')
    expect(splitter.push('\ndata: x')).toEqual([{ raw: 'data: {"choices":[]}\n\n', data: '{"choices":[]}', event: null }])
    expect(splitter.rest).toBe('data: x')
  })

  it('handles CRLF endings, multi-line data, comments and other fields', () => {
    const splitter = new SseSplitter()
    const events = splitter.push(': keep-alive\r\n\r\nevent: message\r\ndata: line one\r\ndata:line two\r\nid: 7\r\n\r\n')
    expect(events.map((event) => event.data)).toEqual([null, 'line one\nline two'])
  })

  it('reads the event name, as Anthropic sends it', () => {
    const events = new SseSplitter().push('event: message_start\ndata: {"type":"message_start"}\n\nevent: ping\ndata: {"type": "ping"}\n\n')
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['message_start', '{"type":"message_start"}'],
      ['ping', '{"type": "ping"}'],
    ])
  })

  it('does not mistake other fields that start with "data" for data lines', () => {
    expect(new SseSplitter().push('database: 1\ndata: ok\n\n')[0]?.data).toBe('ok')
  })
})
