import { describe, expect, it } from 'vitest'
import { errorFromOpenAIBody } from './error.ts'

describe('errorFromOpenAIBody', () => {
  it('keeps the upstream message, type and code', () => {
    const body = { error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', param: null, code: 'rate_limit_exceeded' } }
    expect(errorFromOpenAIBody(body, 429)).toEqual({ message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' })
  })

  it('says what the status was when the body is not an OpenAI error', () => {
    expect(errorFromOpenAIBody('<html>Bad gateway</html>', 502)).toEqual({ message: 'upstream returned HTTP 502', type: 'upstream_error', code: null })
  })

  it('keeps a numeric code as text', () => {
    expect(errorFromOpenAIBody({ error: { message: 'No endpoints', code: 404 } }, 404).code).toBe('404')
  })
})
