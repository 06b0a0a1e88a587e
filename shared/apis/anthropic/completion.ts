/** Reads a non-streamed Anthropic Message (the body of a 200 from `POST /v1/messages`). */
import type { CompletionResult, OutputChoice, OutputPart } from '../../types.ts'
import { asObject, str } from '../../json.ts'
import { usageFromAnthropic } from './usage.ts'

/**
 * The output parts of a Message's `content`, as @posthog/ai's `formatResponseAnthropic` keeps them: non-empty
 * `text` blocks and `tool_use` blocks (with an id and a name); thinking and server-tool blocks are left out.
 * A tool's `input` is serialised to a JSON string because OutputPart's arguments are strings.
 */
function outputParts(content: unknown): OutputPart[] {
  const parts: OutputPart[] = []
  if (!Array.isArray(content)) return parts
  for (const raw of content) {
    const block = asObject(raw)
    const text = str(block?.text)
    if (block?.type === 'text' && text) {
      parts.push({ type: 'text', text })
    } else if (block?.type === 'tool_use') {
      const id = str(block.id)
      const name = str(block.name)
      if (id && name) {
        parts.push({ type: 'function', id, function: { name, arguments: JSON.stringify(block.input ?? {}) } })
      }
    }
  }
  return parts
}

/** One assistant choice when the message has output, none otherwise (as @posthog/ai). */
export function choicesOf(parts: OutputPart[]): OutputChoice[] {
  return parts.length > 0 ? [{ role: 'assistant', content: parts }] : []
}

export function completionFromMessagesJson(body: unknown): CompletionResult {
  const b = asObject(body)
  return {
    id: str(b?.id),
    model: str(b?.model),
    choices: choicesOf(outputParts(b?.content)),
    stopReason: str(b?.stop_reason),
    usage: usageFromAnthropic(b?.usage),
  }
}
