import { describe, expect, it } from 'vitest'
import { errorFromGeminiBody, geminiErrorBody } from './error.ts'

describe('errorFromGeminiBody', () => {
  it('reads an invalid key error with its ErrorInfo reason', () => {
    expect(
      errorFromGeminiBody({
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'API_KEY_INVALID',
              domain: 'googleapis.com',
              metadata: { service: 'generativelanguage.googleapis.com' },
            },
            { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
          ],
        },
      }),
    ).toEqual({ message: 'API key not valid. Please pass a valid API key.', type: 'INVALID_ARGUMENT', code: 'API_KEY_INVALID' })
  })

  it('falls back to the numeric code, and reads the array-wrapped form', () => {
    const error = {
      code: 429,
      message: 'You exceeded your current quota, please check your plan and billing details.',
      status: 'RESOURCE_EXHAUSTED',
    }
    const expected = { message: error.message, type: 'RESOURCE_EXHAUSTED', code: '429' }
    expect(errorFromGeminiBody({ error })).toEqual(expected)
    expect(errorFromGeminiBody([{ error }])).toEqual(expected)
  })

  it('returns null for bodies that are not Gemini errors', () => {
    expect(errorFromGeminiBody('<html><title>502 Bad Gateway</title></html>')).toBeNull()
    expect(errorFromGeminiBody({ candidates: [] })).toBeNull()
    expect(errorFromGeminiBody({ error: { code: 500 } })).toBeNull()
  })
})

describe('geminiErrorBody', () => {
  it('pairs each code with its canonical status', () => {
    const cases: [number, string][] = [
      [400, 'INVALID_ARGUMENT'],
      [401, 'UNAUTHENTICATED'],
      [403, 'PERMISSION_DENIED'],
      [404, 'NOT_FOUND'],
      [413, 'INVALID_ARGUMENT'],
      [429, 'RESOURCE_EXHAUSTED'],
      [499, 'CANCELLED'],
      [500, 'INTERNAL'],
      [502, 'UNAVAILABLE'],
      [503, 'UNAVAILABLE'],
      [504, 'DEADLINE_EXCEEDED'],
    ]
    for (const [code, status] of cases) {
      expect(geminiErrorBody(code, 'msg')).toEqual({ error: { code, message: 'msg', status } })
    }
  })

  it('reads back what it writes', () => {
    expect(errorFromGeminiBody(geminiErrorBody(401, 'Missing API key: send x-goog-api-key.'))).toEqual({
      message: 'Missing API key: send x-goog-api-key.',
      type: 'UNAUTHENTICATED',
      code: '401',
    })
  })
})
