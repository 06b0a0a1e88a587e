/** OpenAI `reasoning_effort` as Gemini `thinkingConfig`. */
import type { JsonObject } from '../../types.ts'
import { UntranslatableRequest } from '../chat.ts'

/** Gemini 2.x takes a thinking budget; these are the budgets Google's own OpenAI-compatible endpoint uses. */
const BUDGETS: Record<string, number> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576 }
/** Gemini 3 and later take a thinking level and cannot turn thinking off. */
const LEVELS = new Set(['minimal', 'low', 'medium', 'high'])

/** The model's major Gemini version (`gemini-2.5-flash` → 2), null for other names. */
function geminiMajor(model: string): number | null {
  const match = /(?:^|\/)gemini-(\d+)/.exec(model)
  return match ? Number(match[1]) : null
}

export function thinkingConfigFromEffort(effort: unknown, model: string): JsonObject {
  if (typeof effort !== 'string') {
    throw new UntranslatableRequest("reasoning_effort must be 'none', 'minimal', 'low', 'medium' or 'high'.", 'reasoning_effort')
  }
  const major = geminiMajor(model)
  if (major !== null && major <= 2) {
    const budget = BUDGETS[effort]
    if (budget === undefined) {
      throw new UntranslatableRequest("reasoning_effort must be 'none', 'minimal', 'low', 'medium' or 'high'.", 'reasoning_effort')
    }
    return { thinkingBudget: budget }
  }
  if (!LEVELS.has(effort)) {
    throw new UntranslatableRequest(
      "reasoning_effort must be 'minimal', 'low', 'medium' or 'high' for Gemini 3 models (their thinking cannot be turned off).",
      'reasoning_effort',
    )
  }
  return { thinkingLevel: effort }
}
