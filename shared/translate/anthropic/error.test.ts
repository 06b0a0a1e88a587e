import { describe, expect, it } from 'vitest'
import { chatErrorFromAnthropic } from './error.ts'

describe('chatErrorFromAnthropic', () => {
  it("keeps Anthropic's message and type in OpenAI's error format", () => {
    const body = {
      type: 'error',
      error: {
        type: 'rate_limit_error',
        message: 'Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits).',
      },
      request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy',
    }
    expect(chatErrorFromAnthropic(429, body)).toEqual({
      error: {
        message: 'Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits).',
        type: 'rate_limit_error',
        param: null,
        code: null,
      },
    })
  })

  it('reads a stream error event the same way', () => {
    expect(chatErrorFromAnthropic(500, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toEqual({
      error: { message: 'Overloaded', type: 'overloaded_error', param: null, code: null },
    })
  })

  it('says what happened when the body is not an Anthropic error (a proxy page in between)', () => {
    expect(chatErrorFromAnthropic(502, '<html><body>502 Bad Gateway</body></html>')).toEqual({
      error: { message: 'The Anthropic API answered with HTTP 502.', type: 'api_error', param: null, code: null },
    })
    expect(chatErrorFromAnthropic(529, { type: 'error', error: { message: '' } }).error).toMatchObject({
      message: 'The Anthropic API answered with HTTP 529.',
      type: 'overloaded_error',
    })
  })
})
