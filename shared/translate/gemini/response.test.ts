import { describe, expect, it } from 'vitest'
import { finishReasonFromGemini, generateContentToChatCompletion } from './response.ts'

const created = 1758842410

describe('generateContentToChatCompletion', () => {
  it('builds an exact chat.completion from a text answer', () => {
    const completion = generateContentToChatCompletion(
      {
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
      },
      'gemini-2.5-flash',
      created,
    )
    expect(completion).toEqual({
      id: 'Ks7FaMqXBPaPz7IPkI6ZmAo',
      object: 'chat.completion',
      created,
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'AI learns patterns from data to make predictions or decisions.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 8,
        completion_tokens: 659,
        total_tokens: 667,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 648 },
      },
    })
  })

  it('turns function calls into tool calls with ids, keeping the thought signature', () => {
    const completion = generateContentToChatCompletion(
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' } }, thoughtSignature: 'CtwCAVSoXO7' },
                { functionCall: { id: 'fc-7', name: 'play_music', args: {} } },
              ],
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 90, cachedContentTokenCount: 64, candidatesTokenCount: 20, totalTokenCount: 110 },
        modelVersion: 'gemini-2.5-flash',
      },
      'gemini-2.5-flash',
      created,
    )
    expect(completion.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/)
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: expect.stringMatching(/^call_[A-Za-z0-9]{24}$/),
              type: 'function',
              function: { name: 'set_light_values', arguments: '{"brightness":25,"color_temp":"warm"}' },
              extra_content: { google: { thought_signature: 'CtwCAVSoXO7' } },
            },
            { id: 'fc-7', type: 'function', function: { name: 'play_music', arguments: '{}' } },
          ],
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ])
    expect(completion.usage).toMatchObject({ prompt_tokens: 90, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 64 } })
  })

  it('gives a blocked prompt one filtered choice', () => {
    const completion = generateContentToChatCompletion(
      { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } },
      'gemini-2.0-flash',
      created,
    )
    expect(completion.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' },
    ])
    expect(completion.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 0, total_tokens: 8 })
  })

  it('keeps candidates as choices in index order and leaves usage out when unknown', () => {
    const completion = generateContentToChatCompletion(
      {
        candidates: [
          { content: { role: 'model', parts: [{ text: 'B' }] }, finishReason: 'MAX_TOKENS', index: 1 },
          { content: { role: 'model', parts: [{ text: 'A' }] }, finishReason: 'STOP', index: 0 },
        ],
      },
      'gemini-2.5-flash',
      created,
    )
    expect(completion.choices).toMatchObject([
      { index: 0, message: { content: 'A' }, finish_reason: 'stop' },
      { index: 1, message: { content: 'B' }, finish_reason: 'length' },
    ])
    expect(completion).not.toHaveProperty('usage')
  })
})

describe('finishReasonFromGemini', () => {
  it('speaks OpenAI', () => {
    expect(finishReasonFromGemini('STOP', false)).toBe('stop')
    expect(finishReasonFromGemini('STOP', true)).toBe('tool_calls')
    expect(finishReasonFromGemini('MAX_TOKENS', true)).toBe('length')
    for (const reason of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']) {
      expect(finishReasonFromGemini(reason, false)).toBe('content_filter')
    }
    expect(finishReasonFromGemini('MALFORMED_FUNCTION_CALL', false)).toBe('stop')
    expect(finishReasonFromGemini('OTHER', false)).toBe('stop')
  })
})
