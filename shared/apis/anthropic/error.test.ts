import { describe, expect, it } from 'vitest'
import { anthropicErrorBody, anthropicErrorType, errorFromAnthropicBody } from './error.ts'

describe('errorFromAnthropicBody', () => {
  it("reads Anthropic's error format", () => {
    const body = {
      type: 'error',
      error: { type: 'not_found_error', message: 'The requested resource could not be found.' },
      request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy',
    }
    expect(errorFromAnthropicBody(body)).toEqual({
      message: 'The requested resource could not be found.',
      type: 'not_found_error',
      code: null,
    })
  })

  it('keeps an error without a message as an empty message', () => {
    expect(errorFromAnthropicBody({ type: 'error', error: { type: 'api_error' } })).toEqual({ message: '', type: 'api_error', code: null })
  })

  it('is null when the body is not an error', () => {
    expect(errorFromAnthropicBody({ type: 'message', content: [] })).toBeNull()
    expect(errorFromAnthropicBody('<html>502 Bad Gateway</html>')).toBeNull()
    expect(errorFromAnthropicBody(null)).toBeNull()
  })
})

describe('anthropicErrorBody', () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [402, 'billing_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [502, 'api_error'],
    [504, 'timeout_error'],
    [529, 'overloaded_error'],
    [422, 'invalid_request_error'],
    [503, 'api_error'],
  ])('uses the documented error type for %i', (status, type) => {
    expect(anthropicErrorType(status)).toBe(type)
    expect(anthropicErrorBody(status, 'What to fix')).toEqual({ type: 'error', error: { type, message: 'What to fix' } })
  })

  it('round-trips through errorFromAnthropicBody', () => {
    expect(errorFromAnthropicBody(anthropicErrorBody(401, 'Missing client API key: send x-api-key.'))).toEqual({
      message: 'Missing client API key: send x-api-key.',
      type: 'authentication_error',
      code: null,
    })
  })
})
