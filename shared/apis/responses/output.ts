/** Turns a Responses API `output` list into `$ai_output_choices`, shaped as @posthog/ai's formatResponseOpenAI does. */
import type { OutputChoice, OutputPart } from '../../types.ts'
import { type Obj, asObject } from '../../json.ts'

/** Text parts of a `message` item: one per non-empty `output_text` (or other text-bearing) part, and refusals. */
function messageParts(content: unknown): OutputPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : []
  if (!Array.isArray(content)) return []
  const parts: OutputPart[] = []
  for (const raw of content) {
    const part = asObject(raw)
    if (typeof part?.text === 'string' && part.text !== '') parts.push({ type: 'text', text: part.text })
    // @posthog/ai drops refusals; they are what the user was shown, so they are kept as text like in Chat.
    else if (part?.type === 'refusal' && typeof part.refusal === 'string' && part.refusal !== '') {
      parts.push({ type: 'text', text: part.refusal })
    }
  }
  return parts
}

function functionPart(item: Obj): OutputPart {
  const id = typeof item.call_id === 'string' && item.call_id ? item.call_id : typeof item.id === 'string' ? item.id : ''
  const args = typeof item.arguments === 'string' ? item.arguments : item.arguments == null ? '' : JSON.stringify(item.arguments)
  return { type: 'function', id, function: { name: typeof item.name === 'string' ? item.name : '', arguments: args } }
}

/**
 * All output items become one assistant message: `message` items give text parts, `function_call`
 * items give function parts (id = `call_id`, which the next request's `function_call_output` refers to).
 * Reasoning, tool-call items of hosted tools and generated images are left out. No content: no choice.
 */
export function choicesFromOutput(output: unknown): OutputChoice[] {
  if (!Array.isArray(output)) return []
  const content: OutputPart[] = []
  for (const raw of output) {
    const item = asObject(raw)
    if (item?.type === 'message') content.push(...messageParts(item.content))
    else if (item?.type === 'function_call') content.push(functionPart(item))
  }
  return content.length > 0 ? [{ role: 'assistant', content }] : []
}
