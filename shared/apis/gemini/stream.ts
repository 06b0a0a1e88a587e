import type { StreamAccumulator } from '../types.ts'
import type { CompletionResult } from '../../types.ts'
import type { GeminiFunctionCall } from './candidate.ts'
import { promptBlockReason, readCandidates } from './candidate.ts'
import { outputParts } from './completion.ts'
import { asObject, str } from '../../json.ts'
import { usageFromGemini } from './usage.ts'

interface CandidateState {
  text: string[]
  calls: GeminiFunctionCall[]
  finishReason: string | null
}

/**
 * Merges a `streamGenerateContent?alt=sse` stream. Each `data:` is a whole GenerateContentResponse
 * holding only the new parts; Gemini sends each function call whole, and repeats `usageMetadata` on
 * every chunk with the last one complete, so the latest usage wins.
 */
export class GenerateContentStreamAccumulator implements StreamAccumulator {
  private id: string | null = null
  private model: string | null = null
  private readonly candidates = new Map<number, CandidateState>()
  private usage: unknown = null
  private blockReason: string | null = null

  add(data: unknown): boolean {
    const chunk = asObject(data)
    if (!chunk) return false
    this.id ??= str(chunk.responseId)
    this.model ??= str(chunk.modelVersion)
    if (chunk.usageMetadata !== undefined) this.usage = chunk.usageMetadata
    this.blockReason ??= promptBlockReason(chunk)
    let output = false
    for (const candidate of readCandidates(chunk)) {
      let state = this.candidates.get(candidate.index)
      if (!state) {
        state = { text: [], calls: [], finishReason: null }
        this.candidates.set(candidate.index, state)
      }
      if (candidate.text) state.text.push(candidate.text)
      state.calls.push(...candidate.calls)
      if (candidate.finishReason) state.finishReason = candidate.finishReason
      if (candidate.text || candidate.calls.length > 0) output = true
    }
    return output
  }

  result(): CompletionResult {
    const ordered = [...this.candidates.entries()].sort((a, b) => a[0] - b[0]).map(([, state]) => state)
    return {
      id: this.id,
      model: this.model,
      choices: ordered.map((s) => ({ role: 'assistant', content: outputParts(s.text.join(''), s.calls) })),
      stopReason: ordered[0]?.finishReason ?? this.blockReason,
      usage: usageFromGemini(this.usage),
    }
  }
}
