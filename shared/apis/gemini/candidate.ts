/** Reads one `candidates[]` entry of a GenerateContentResponse (a whole response or a stream chunk). */
import type { JsonObject } from '../../types.ts'
import { asIndex, asObject, str } from '../../json.ts'
import { asJsonObject } from './parse.ts'

export interface GeminiFunctionCall {
  /** Gemini sends an id only on some models; null when absent. */
  id: string | null
  name: string
  args: JsonObject
  /** Opaque signature Gemini 3 needs back with the call on the next turn. */
  thoughtSignature: string | null
}

export interface GeminiCandidate {
  index: number
  /** The answer's text: parts with `thought: true` (thought summaries) are left out, as the SDK's `.text` does. */
  text: string
  calls: GeminiFunctionCall[]
  finishReason: string | null
}

export function readCandidate(raw: unknown, position: number): GeminiCandidate | null {
  const c = asObject(raw)
  if (!c) return null
  let text = ''
  const calls: GeminiFunctionCall[] = []
  const parts = asObject(c.content)?.parts
  if (Array.isArray(parts)) {
    for (const rawPart of parts) {
      const part = asObject(rawPart)
      if (!part) continue
      if (typeof part.text === 'string' && part.thought !== true) text += part.text
      const call = asObject(part.functionCall)
      const name = str(call?.name)
      if (call && name) {
        calls.push({
          id: str(call.id),
          name,
          args: asJsonObject(call.args) ?? {},
          thoughtSignature: str(part.thoughtSignature),
        })
      }
    }
  }
  return { index: asIndex(c.index) ?? position, text, calls, finishReason: str(c.finishReason) }
}

/** The candidates of a response or chunk, in order of appearance. */
export function readCandidates(response: unknown): GeminiCandidate[] {
  const candidates = asObject(response)?.candidates
  if (!Array.isArray(candidates)) return []
  const out: GeminiCandidate[] = []
  candidates.forEach((raw, position) => {
    const candidate = readCandidate(raw, position)
    if (candidate) out.push(candidate)
  })
  return out
}

/** Why Gemini refused the prompt itself (`promptFeedback.blockReason`); it then sends no candidates. */
export function promptBlockReason(response: unknown): string | null {
  return str(asObject(asObject(response)?.promptFeedback)?.blockReason)
}
