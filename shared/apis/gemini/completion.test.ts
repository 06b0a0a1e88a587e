import { describe, expect, it } from 'vitest'
import { completionFromGenerateContentJson } from './completion.ts'

describe('completionFromGenerateContentJson', () => {
  it('reads a text answer: id, served model, output, finish reason and usage', () => {
    // The generateContent docs' response for "Explain how AI works in a few words" on gemini-2.5-flash.
    const result = completionFromGenerateContentJson({
      candidates: [
        {
          content: { parts: [{ text: 'AI learns patterns from data to make predictions or decisions.' }], role: 'model' },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 8,
        candidatesTokenCount: 11,
        totalTokenCount: 667,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }],
        thoughtsTokenCount: 648,
      },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'Ks7FaMqXBPaPz7IPkI6ZmAo',
    })
    expect(result).toEqual({
      id: 'Ks7FaMqXBPaPz7IPkI6ZmAo',
      model: 'gemini-2.5-flash',
      choices: [{ role: 'assistant', content: [{ type: 'text', text: 'AI learns patterns from data to make predictions or decisions.' }] }],
      stopReason: 'STOP',
      usage: { inputTokens: 8, outputTokens: 11, reasoningTokens: 648, reasoningReportingExclusive: true, cacheReportingExclusive: false },
    })
  })

  it('turns function calls into function parts with JSON arguments', () => {
    const result = completionFromGenerateContentJson({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Setting the lights now.' },
              { functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' } }, thoughtSignature: 'CtwCAVSoXO7' },
              { functionCall: { id: 'call-2', name: 'play_music', args: {} } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      modelVersion: 'gemini-2.5-flash',
    })
    expect(result.choices).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Setting the lights now.' },
          { type: 'function', function: { name: 'set_light_values', arguments: '{"brightness":25,"color_temp":"warm"}' } },
          { type: 'function', id: 'call-2', function: { name: 'play_music', arguments: '{}' } },
        ],
      },
    ])
    expect(result.id).toBeNull()
    expect(result.usage).toBeNull()
  })

  it('leaves thought summaries out of the answer', () => {
    const result = completionFromGenerateContentJson({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [{ text: '**Adding the numbers**\nTwo plus two…', thought: true }, { text: 'The answer is 4.' }],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
    })
    expect(result.choices).toEqual([{ role: 'assistant', content: [{ type: 'text', text: 'The answer is 4.' }] }])
  })

  it('keeps one choice per candidate, in index order; the stop reason is the first one', () => {
    const result = completionFromGenerateContentJson({
      candidates: [
        { content: { role: 'model', parts: [{ text: 'Second' }] }, finishReason: 'MAX_TOKENS', index: 1 },
        { content: { role: 'model', parts: [{ text: 'First' }] }, finishReason: 'STOP', index: 0 },
      ],
    })
    expect(result.choices.map((c) => c.content)).toEqual([[{ type: 'text', text: 'First' }], [{ type: 'text', text: 'Second' }]])
    expect(result.stopReason).toBe('STOP')
  })

  it('reports a safety stop with an empty answer', () => {
    const result = completionFromGenerateContentJson({
      candidates: [
        {
          finishReason: 'SAFETY',
          index: 0,
          safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }],
        },
      ],
      usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
      modelVersion: 'gemini-2.0-flash',
      responseId: 'b2tlbnNhZmV0eQ',
    })
    expect(result.choices).toEqual([{ role: 'assistant', content: [] }])
    expect(result.stopReason).toBe('SAFETY')
    expect(result.usage).toEqual({ inputTokens: 12, outputTokens: 0, cacheReportingExclusive: false })
  })

  it('reports a blocked prompt by its block reason', () => {
    const result = completionFromGenerateContentJson({
      promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
      usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
      modelVersion: 'gemini-2.0-flash',
    })
    expect(result.choices).toEqual([])
    expect(result.stopReason).toBe('PROHIBITED_CONTENT')
  })

  it('survives bodies that are not a response', () => {
    expect(completionFromGenerateContentJson('<html>502</html>')).toEqual({
      id: null,
      model: null,
      choices: [],
      stopReason: null,
      usage: null,
    })
  })
})
