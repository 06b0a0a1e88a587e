import { describe, expect, it } from 'vitest'
import { SseSplitter } from '../../sse/index.ts'
import { ResponsesStreamAccumulator } from './stream.ts'

type Event = { type: string; [key: string]: unknown }

const RESPONSE_ID = 'resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654'
const MESSAGE_ID = 'msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654'
const PIECES = ['Hi', ' there', '!', ' How can I help?']
const TEXT = PIECES.join('')

function response(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: RESPONSE_ID,
    object: 'response',
    created_at: 1741290958,
    status,
    error: null,
    incomplete_details: null,
    instructions: 'You are a helpful assistant.',
    max_output_tokens: null,
    model: 'gpt-4.1-2025-04-14',
    output: [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1.0,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
    truncation: 'disabled',
    usage: null,
    user: null,
    metadata: {},
    ...extra,
  }
}

const USAGE = {
  input_tokens: 1037,
  input_tokens_details: { cached_tokens: 1024 },
  output_tokens: 84,
  output_tokens_details: { reasoning_tokens: 64 },
  total_tokens: 1121,
}

const doneMessage = {
  type: 'message',
  id: MESSAGE_ID,
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text: TEXT, annotations: [] }],
}

/** A text answer as the streaming guide shows it, `sequence_number` in order. */
function textStream(): Event[] {
  const events: Event[] = [
    { type: 'response.created', response: response('in_progress') },
    { type: 'response.in_progress', response: response('in_progress') },
    { type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: MESSAGE_ID, status: 'in_progress', role: 'assistant', content: [] } },
    { type: 'response.content_part.added', item_id: MESSAGE_ID, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
    ...PIECES.map((delta) => ({ type: 'response.output_text.delta', item_id: MESSAGE_ID, output_index: 0, content_index: 0, delta })),
    { type: 'response.output_text.done', item_id: MESSAGE_ID, output_index: 0, content_index: 0, text: TEXT },
    { type: 'response.content_part.done', item_id: MESSAGE_ID, output_index: 0, content_index: 0, part: { type: 'output_text', text: TEXT, annotations: [] } },
    { type: 'response.output_item.done', output_index: 0, item: doneMessage },
    { type: 'response.completed', response: response('completed', { output: [doneMessage], usage: USAGE }) },
  ]
  return events.map((event, i) => ({ ...event, sequence_number: i }))
}

const ARGS_PIECES = ['{"', 'location', '":"', 'Paris', ',', ' France', '"}']
const ARGS = ARGS_PIECES.join('')
const doneCall = { type: 'function_call', id: 'fc_1234xyz', call_id: 'call_2345abc', name: 'get_weather', arguments: ARGS, status: 'completed' }

/** A function call as the function calling guide streams it. */
function toolStream(): Event[] {
  const events: Event[] = [
    { type: 'response.created', response: response('in_progress') },
    { type: 'response.output_item.added', output_index: 0, item: { ...doneCall, arguments: '', status: 'in_progress' } },
    ...ARGS_PIECES.map((delta) => ({ type: 'response.function_call_arguments.delta', item_id: 'fc_1234xyz', output_index: 0, delta })),
    { type: 'response.function_call_arguments.done', item_id: 'fc_1234xyz', output_index: 0, arguments: ARGS },
    { type: 'response.output_item.done', output_index: 0, item: doneCall },
    { type: 'response.completed', response: response('completed', { output: [doneCall], usage: USAGE }) },
  ]
  return events.map((event, i) => ({ ...event, sequence_number: i }))
}

function feed(events: Event[]): { acc: ResponsesStreamAccumulator; outputs: boolean[] } {
  const acc = new ResponsesStreamAccumulator()
  const outputs = events.map((event) => acc.add(event, event.type))
  return { acc, outputs }
}

describe('ResponsesStreamAccumulator', () => {
  it('takes the result from the completed response: text, served model, status, cached and reasoning tokens', () => {
    const { acc } = feed(textStream())
    expect(acc.result()).toEqual({
      id: RESPONSE_ID,
      model: 'gpt-4.1-2025-04-14',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: TEXT }] }],
      stopReason: 'completed',
      usage: { inputTokens: 1037, outputTokens: 84, cacheReadTokens: 1024, reasoningTokens: 64, cacheReportingExclusive: false },
    })
    expect(acc.error()).toBeNull()
  })

  it('says which events carried output: the text deltas only', () => {
    const events = textStream()
    const { outputs } = feed(events)
    expect(events.filter((_, i) => outputs[i]).map((e) => e.type)).toEqual(PIECES.map(() => 'response.output_text.delta'))
  })

  it('merges a stream that arrives as raw SSE text cut at arbitrary places', () => {
    const raw = textStream().map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('')
    const splitter = new SseSplitter()
    const acc = new ResponsesStreamAccumulator()
    let firstOutputAt = -1
    for (let i = 0; i < raw.length; i += 37) {
      for (const event of splitter.push(raw.slice(i, i + 37))) {
        if (acc.add(JSON.parse(event.data ?? 'null'), null) && firstOutputAt < 0) firstOutputAt = i
      }
    }
    expect(firstOutputAt).toBeGreaterThan(raw.indexOf('response.output_text.delta'))
    expect(acc.result().choices).toEqual([{ role: 'assistant', content: [{ type: 'text', text: TEXT }] }])
    expect(acc.result().usage?.inputTokens).toBe(1037)
  })

  it('rebuilds the text of a stream cut before its end, with no usage or stop reason', () => {
    const events = textStream()
    const cut = events.slice(0, events.findIndex((e) => e.type === 'response.output_text.done') - 1)
    const { acc } = feed(cut)
    expect(acc.result()).toEqual({
      id: RESPONSE_ID,
      model: 'gpt-4.1-2025-04-14',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: PIECES.slice(0, -1).join('') }] }],
      stopReason: null,
      usage: null,
    })
  })

  it('rebuilds text that arrived without its content_part.added (hosts that skip it)', () => {
    const events = textStream().filter((e) => e.type === 'response.created' || e.type === 'response.output_text.delta')
    expect(feed(events).acc.result().choices).toEqual([{ role: 'assistant', content: [{ type: 'text', text: TEXT }] }])
  })

  it('takes a function call from the completed response, its arguments streamed as deltas', () => {
    const { acc, outputs } = feed(toolStream())
    expect(acc.result().choices).toEqual([
      { role: 'assistant', content: [{ type: 'function', id: 'call_2345abc', function: { name: 'get_weather', arguments: ARGS } }] },
    ])
    expect(outputs.filter(Boolean)).toHaveLength(ARGS_PIECES.length)
  })

  it('keeps the call id, name and arguments received so far when a function call is cut', () => {
    const { acc } = feed(toolStream().slice(0, 6)) // created, item added, 4 argument deltas
    expect(acc.result().choices).toEqual([
      { role: 'assistant', content: [{ type: 'function', id: 'call_2345abc', function: { name: 'get_weather', arguments: '{"location":"Paris' } }] },
    ])
  })

  it('stops at max_output_tokens with the usage of the incomplete response', () => {
    const events = textStream()
    const partial = { ...doneMessage, status: 'incomplete', content: [{ type: 'output_text', text: 'Hi there', annotations: [] }] }
    events[events.length - 1] = {
      type: 'response.incomplete',
      sequence_number: events.length - 1,
      response: response('incomplete', {
        incomplete_details: { reason: 'max_output_tokens' },
        output: [partial],
        usage: { ...USAGE, output_tokens: 16 },
      }),
    }
    const { acc } = feed(events)
    expect(acc.result().stopReason).toBe('max_output_tokens')
    expect(acc.result().choices).toEqual([{ role: 'assistant', content: [{ type: 'text', text: 'Hi there' }] }])
    expect(acc.result().usage?.outputTokens).toBe(16)
    expect(acc.error()).toBeNull()
  })

  it('reports a failed response as an error, keeping the text already streamed', () => {
    const events = textStream().slice(0, 6)
    events.push({
      type: 'response.failed',
      sequence_number: 6,
      response: response('failed', { error: { code: 'server_error', message: 'The model failed to generate a response.' } }),
    })
    const { acc } = feed(events)
    expect(acc.error()).toEqual({ message: 'The model failed to generate a response.', type: null, code: 'server_error' })
    expect(acc.result()).toMatchObject({
      id: RESPONSE_ID,
      stopReason: 'failed',
      usage: null,
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Hi there' }] }],
    })
  })

  it('reports an error event and keeps the first failure', () => {
    const events: Event[] = [
      ...textStream().slice(0, 3),
      {
        type: 'error',
        sequence_number: 3,
        error: { type: 'insufficient_quota', code: 'credit_balance_exhausted', message: 'You have no credits remaining.', param: null },
      },
      { type: 'error', sequence_number: 4, code: 'later', message: 'A later error', param: null },
    ]
    const { acc } = feed(events)
    expect(acc.error()).toEqual({ message: 'You have no credits remaining.', type: 'insufficient_quota', code: 'credit_balance_exhausted' })
    expect(acc.result()).toMatchObject({ id: RESPONSE_ID, choices: [], stopReason: null })
  })

  it('ignores reasoning deltas and events it does not know', () => {
    const { acc, outputs } = feed([
      { type: 'response.created', sequence_number: 0, response: response('in_progress') },
      { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { type: 'reasoning', id: 'rs_1', summary: [] } },
      { type: 'response.reasoning_summary_text.delta', sequence_number: 2, item_id: 'rs_1', output_index: 0, summary_index: 0, delta: 'Thinking' },
      { type: 'response.web_search_call.searching', sequence_number: 3, output_index: 1, item_id: 'ws_1' },
      { type: 'keepalive', sequence_number: 4 },
    ])
    expect(outputs).toEqual([false, false, false, false, false])
    expect(acc.result().choices).toEqual([])
  })
})
