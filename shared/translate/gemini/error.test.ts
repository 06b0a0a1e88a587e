import { describe, expect, it } from 'vitest'
import { chatErrorFromGemini } from './error.ts'

describe('chatErrorFromGemini', () => {
  it("keeps Gemini's message in OpenAI's error shape", () => {
    expect(
      chatErrorFromGemini(429, {
        error: {
          code: 429,
          message: 'You exceeded your current quota, please check your plan and billing details.',
          status: 'RESOURCE_EXHAUSTED',
        },
      }),
    ).toEqual({
      error: {
        message: 'You exceeded your current quota, please check your plan and billing details.',
        type: 'rate_limit_error',
        param: null,
        code: 'resource_exhausted',
      },
    })
  })

  it('types the error by status', () => {
    const typeOf = (status: number) => (chatErrorFromGemini(status, { error: { code: status, message: 'm', status: 'X' } }).error as { type: string }).type
    expect(typeOf(400)).toBe('invalid_request_error')
    expect(typeOf(401)).toBe('authentication_error')
    expect(typeOf(403)).toBe('permission_error')
    expect(typeOf(404)).toBe('not_found_error')
    expect(typeOf(500)).toBe('server_error')
    expect(typeOf(503)).toBe('server_error')
  })

  it('still says something for a body that is not a Gemini error', () => {
    expect(chatErrorFromGemini(502, '<html>Bad Gateway</html>')).toEqual({
      error: { message: 'Gemini answered with HTTP 502.', type: 'server_error', param: null, code: null },
    })
  })
})
