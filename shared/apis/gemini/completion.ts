import type { CompletionResult, OutputChoice, OutputPart } from '../../types.ts'
import type { GeminiFunctionCall } from './candidate.ts'
import { promptBlockReason, readCandidates } from './candidate.ts'
import { asObject, str } from '../../json.ts'
import { usageFromGemini } from './usage.ts'

/** `$ai_output_choices` content of one candidate: its text, then its function calls (args as a JSON string). */
export function outputParts(text: string, calls: GeminiFunctionCall[]): OutputPart[] {
  const parts: OutputPart[] = []
  if (text) parts.push({ type: 'text', text })
  for (const call of calls) {
    const fn = { name: call.name, arguments: JSON.stringify(call.args) }
    parts.push(call.id ? { type: 'function', id: call.id, function: fn } : { type: 'function', function: fn })
  }
  return parts
}

/** Reads a non-streamed generateContent response body. */
export function completionFromGenerateContentJson(body: unknown): CompletionResult {
  const b = asObject(body)
  const candidates = readCandidates(b).sort((x, y) => x.index - y.index)
  const choices: OutputChoice[] = candidates.map((c) => ({ role: 'assistant', content: outputParts(c.text, c.calls) }))
  return {
    id: str(b?.responseId),
    model: str(b?.modelVersion),
    choices,
    // A blocked prompt has no candidate: its block reason says why the answer is empty.
    stopReason: candidates[0]?.finishReason ?? promptBlockReason(b),
    usage: usageFromGemini(b?.usageMetadata),
  }
}
