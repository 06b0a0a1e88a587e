/**
 * Incremental Server-Sent Events framing: splits decoded text into complete events, keeping each
 * event's raw text so a proxy can forward it unchanged or leave it out.
 */

export interface SseEvent {
  /** The event exactly as received, terminator included. */
  raw: string
  /** Its `data:` lines joined with `\n`, or null when it has none (comments, keep-alives). */
  data: string | null
  /** Its `event:` name (Anthropic names every event), or null. */
  event: string | null
}

// An event ends at a blank line; the spec allows CRLF, LF and CR line endings.
const EVENT_END = /\r\n\r\n|\n\n|\r\r/

export class SseSplitter {
  private pending = ''

  /** Adds text; returns the events it completed. */
  push(text: string): SseEvent[] {
    this.pending += text
    const events: SseEvent[] = []
    let match: RegExpExecArray | null
    while ((match = EVENT_END.exec(this.pending)) !== null) {
      const end = match.index + match[0].length
      const raw = this.pending.slice(0, end)
      this.pending = this.pending.slice(end)
      events.push({ raw, ...fieldsOf(raw.slice(0, match.index)) })
    }
    return events
  }

  /** Text received after the last complete event. */
  get rest(): string {
    return this.pending
  }
}

function fieldsOf(block: string): { data: string | null; event: string | null } {
  let data: string | null = null
  let event: string | null = null
  for (const line of block.split(/\r\n|\n|\r/)) {
    const colon = line.indexOf(':')
    const name = colon === -1 ? line : line.slice(0, colon)
    if (name !== 'data' && name !== 'event') continue
    // A bare field name is the field with an empty value; one space after the colon is not part of it.
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (name === 'event') event = value
    else data = data === null ? value : `${data}\n${value}`
  }
  return { data, event }
}
