import { describe, expect, it } from 'vitest'
import { promptBlockReason, readCandidates } from './candidate.ts'

describe('readCandidates', () => {
  it('reads text without thoughts, whole function calls with their signature, and the finish reason', () => {
    expect(
      readCandidates({
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { text: '**Looking up the weather**', thought: true },
                { text: 'Checking. ' },
                { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CsQBAdHtim' },
                { functionCall: { id: 'fc_2', name: 'get_time' } },
                { functionCall: { args: { nameless: true } } },
                { text: 'Done.' },
              ],
            },
            finishReason: 'STOP',
          },
        ],
      }),
    ).toEqual([
      {
        index: 0,
        text: 'Checking. Done.',
        calls: [
          { id: null, name: 'get_weather', args: { city: 'Paris' }, thoughtSignature: 'CsQBAdHtim' },
          { id: 'fc_2', name: 'get_time', args: {}, thoughtSignature: null },
        ],
        finishReason: 'STOP',
      },
    ])
  })

  it('uses the position when Gemini leaves the index out, and skips what is not a candidate', () => {
    const candidates = readCandidates({ candidates: [null, { content: { parts: [{ text: 'b' }] } }, { index: 5 }] })
    expect(candidates.map((c) => [c.index, c.text, c.finishReason])).toEqual([
      [1, 'b', null],
      [5, '', null],
    ])
    expect(readCandidates({ candidates: 'none' })).toEqual([])
  })
})

describe('promptBlockReason', () => {
  it('reads promptFeedback.blockReason', () => {
    expect(promptBlockReason({ promptFeedback: { blockReason: 'SAFETY', safetyRatings: [] } })).toBe('SAFETY')
    expect(promptBlockReason({ promptFeedback: {} })).toBeNull()
    expect(promptBlockReason(null)).toBeNull()
  })
})
