import { describe, expect, it } from 'vitest'
import { rememberedPropertiesJson } from './properties-json.ts'
import { capEventSize, MAX_EVENT_BYTES, utf8Length } from './truncate.ts'

const bytesOf = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length
const MARKER_RE = /… \[truncated by openstack: (\d+) chars removed\]$/

function baseProps(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    $ai_model: 'gpt-4o-mini',
    $ai_input: [{ role: 'user', content: 'hi' }],
    $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: 'hello' }] }],
    $ai_model_parameters: { temperature: 0.2 },
    $ai_trace_id: 'trace-1',
    ...extra,
  }
}

describe('capEventSize', () => {
  it('uses a 900,000-byte cap by default', () => {
    expect(MAX_EVENT_BYTES).toBe(900_000)
  })

  it('returns the same object when the event is under the cap', () => {
    const props = baseProps({})
    expect(capEventSize(props)).toBe(props)
  })

  it('remembers the JSON it measured for properties it lets through, and none for a shortened copy', () => {
    const props = baseProps({ note: 'é "q" \n 😀' })
    expect(rememberedPropertiesJson(capEventSize(props))).toBe(JSON.stringify(props))
    const big = baseProps({ $ai_input: [{ role: 'user', content: 'x'.repeat(5_000) }] })
    const capped = capEventSize(big, 2_000)
    expect(capped).not.toBe(big)
    expect(rememberedPropertiesJson(capped)).toBeUndefined()
    expect(rememberedPropertiesJson(big)).toBeUndefined()
  })

  it('keeps an event of exactly the cap whole and cuts one a byte over', () => {
    const props = { $ai_input: [{ role: 'user', content: 'é'.repeat(5_000) }] } // 2 bytes per char
    const size = bytesOf(props)
    expect(capEventSize(props, size)).toBe(props)
    const out = capEventSize(props, size - 1)
    expect(bytesOf(out)).toBeLessThanOrEqual(size - 1)
    expect((out.$ai_input as { content: string }[])[0]!.content).toMatch(MARKER_RE)
  })

  it('cuts a huge output to fit, keeping its start and a visible marker with the removed count', () => {
    const text = 'The answer is '.repeat(150_000) // 2.1 MB
    const props = baseProps({
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text }] }],
    })
    const out = capEventSize(props)
    const bytes = bytesOf(out)
    expect(bytes).toBeLessThanOrEqual(MAX_EVENT_BYTES)
    expect(bytes).toBeGreaterThan(MAX_EVENT_BYTES - 2_000) // cut only as much as needed
    const cut = (out.$ai_output_choices as { content: { text: string }[] }[])[0]!.content[0]!.text
    const match = MARKER_RE.exec(cut)
    expect(match).not.toBeNull()
    const kept = cut.slice(0, match!.index)
    expect(text.startsWith(kept)).toBe(true)
    expect(kept.length + Number(match![1])).toBe(text.length)
    // The caller's object is untouched and the other properties are identical.
    expect((props.$ai_output_choices as { content: { text: string }[] }[])[0]!.content[0]!.text).toBe(text)
    for (const key of ['$ai_model', '$ai_input', '$ai_model_parameters', '$ai_trace_id']) {
      expect(out[key]).toEqual(props[key])
    }
  })

  it('cuts the longest strings first and leaves shorter ones whole when that suffices', () => {
    const short = 'short but not tiny '.repeat(500)
    const props = baseProps({
      $ai_input: [{ role: 'system', content: short }, { role: 'user', content: 'x'.repeat(1_000_000) }],
    })
    const out = capEventSize(props, 500_000)
    const input = out.$ai_input as { content: string }[]
    expect(input[0]!.content).toBe(short)
    expect(input[1]!.content).toMatch(MARKER_RE)
    expect(bytesOf(out)).toBeLessThanOrEqual(500_000)
  })

  it('shares the cut between several long strings instead of wiping one', () => {
    const props = baseProps({
      $ai_input: [{ role: 'user', content: 'a'.repeat(600_000) }],
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: 'b'.repeat(400_000) }] }],
    })
    const out = capEventSize(props, 500_000)
    const input = (out.$ai_input as { content: string }[])[0]!.content
    const output = (out.$ai_output_choices as { content: { text: string }[] }[])[0]!.content[0]!.text
    expect(input).toMatch(MARKER_RE)
    expect(output).toMatch(MARKER_RE)
    expect(Math.abs(input.length - output.length)).toBeLessThan(100)
    expect(bytesOf(out)).toBeLessThanOrEqual(500_000)
  })

  it('counts bytes, not characters, and never splits an emoji', () => {
    const props = baseProps({ $ai_error: '€😀'.repeat(200_000) }) // 1.4 MB in 600k UTF-16 units
    const out = capEventSize(props)
    expect(bytesOf(out)).toBeLessThanOrEqual(MAX_EVENT_BYTES)
    const error = out.$ai_error as string
    expect(error).toMatch(MARKER_RE)
    expect(error).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/)
  })

  it('counts JSON escapes (newlines, quotes) in the size', () => {
    const props = baseProps({ $ai_input: [{ role: 'user', content: '"\n'.repeat(400_000) }] }) // 1.6 MB as JSON
    expect(bytesOf(capEventSize(props))).toBeLessThanOrEqual(MAX_EVENT_BYTES)
  })

  it('truncates long tool definitions too', () => {
    const props = baseProps({
      $ai_tools: [{ type: 'function', function: { name: 'f', description: 'd'.repeat(1_000_000) } }],
    })
    const out = capEventSize(props)
    const tool = (out.$ai_tools as { function: { name: string; description: string } }[])[0]!
    expect(tool.function.name).toBe('f')
    expect(tool.function.description).toMatch(MARKER_RE)
  })

  it('replaces the oldest messages by one marker when there are thousands of small ones', () => {
    const messages = [
      { role: 'system', content: 'You are helpful.' },
      ...Array.from({ length: 10_000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i} `.repeat(10) })),
    ]
    const props = baseProps({ $ai_input: messages })
    const out = capEventSize(props)
    expect(bytesOf(out)).toBeLessThanOrEqual(MAX_EVENT_BYTES)
    const input = out.$ai_input as { role: string; content: string }[]
    expect(input[0]).toEqual(messages[0])
    expect(input.at(-1)).toEqual(messages.at(-1))
    const marker = /^\[(\d+) messages removed by openstack: event size limit\]$/.exec(input[1]!.content)
    expect(input[1]!.role).toBe('system')
    expect(marker).not.toBeNull()
    // Exactly the oldest ones went: removed + kept = original, and what follows the marker is contiguous.
    expect(Number(marker![1]) + input.length - 1).toBe(messages.length)
    expect(input[2]).toEqual(messages[1 + Number(marker![1])])
    expect(messages).toHaveLength(10_001) // input not mutated
  })

  it('never drops the event: a last message too big to fit in any other way is replaced by a marker', () => {
    const parts = Array.from({ length: 200_000 }, () => ({ type: 'text', text: 'tiny' }))
    const props = baseProps({ $ai_input: [{ role: 'user', content: parts }] })
    const out = capEventSize(props)
    expect(bytesOf(out)).toBeLessThanOrEqual(MAX_EVENT_BYTES)
    expect(out.$ai_input).toEqual([
      { role: 'system', content: '[1 messages removed by openstack: event size limit]' },
    ])
    expect(out.$ai_output_choices).toEqual(props.$ai_output_choices)
  })

  it('never touches non-content properties, even when they are large', () => {
    const big = { note: 'n'.repeat(950_000) }
    const props = baseProps({ $ai_model_parameters: big })
    const out = capEventSize(props)
    expect(out.$ai_model_parameters).toBe(big)
  })
})

describe('utf8Length', () => {
  it('matches TextEncoder', () => {
    const text = JSON.stringify('a é € 😀 \u0000 "q" \n 中文')
    expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length)
  })
})
