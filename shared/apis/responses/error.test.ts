import { describe, expect, it } from 'vitest'
import { errorFromResponsesEvent } from './error.ts'

describe('errorFromResponsesEvent', () => {
  it('reads an error event in the documented flat shape', () => {
    expect(
      errorFromResponsesEvent({ type: 'error', code: 'ERR_SOMETHING', message: 'Something went wrong', param: null, sequence_number: 1 }),
    ).toEqual({ message: 'Something went wrong', type: null, code: 'ERR_SOMETHING' })
  })

  it('reads an error event in the nested shape OpenAI actually sends', () => {
    expect(
      errorFromResponsesEvent({
        type: 'error',
        error: {
          type: 'tokens',
          code: 'rate_limit_exceeded',
          message: 'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 25265, Requested 8020.',
          param: null,
        },
        sequence_number: 2,
      }),
    ).toEqual({
      message: 'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 25265, Requested 8020.',
      type: 'tokens',
      code: 'rate_limit_exceeded',
    })
  })

  it('reads the error of a failed response', () => {
    expect(
      errorFromResponsesEvent({
        type: 'response.failed',
        sequence_number: 12,
        response: {
          id: 'resp_123',
          object: 'response',
          status: 'failed',
          error: { code: 'server_error', message: 'The model failed to generate a response.' },
          output: [],
          usage: null,
        },
      }),
    ).toEqual({ message: 'The model failed to generate a response.', type: null, code: 'server_error' })
  })

  it('still reports a failure that carries no details', () => {
    expect(errorFromResponsesEvent({ type: 'response.failed', response: { id: 'resp_9', status: 'failed', error: null } })).toEqual({
      message: 'Response resp_9 failed without error details.',
      type: null,
      code: null,
    })
    expect(errorFromResponsesEvent({ type: 'error', sequence_number: 3 })?.message).toMatch(/without a message/)
  })

  it('falls back to the SSE event name when the data has no type', () => {
    expect(errorFromResponsesEvent({ error: { message: 'Overloaded', type: 'server_error', code: 503 } }, 'error')).toEqual({
      message: 'Overloaded',
      type: 'server_error',
      code: '503',
    })
  })

  it('is null for every other event, an incomplete response included', () => {
    expect(errorFromResponsesEvent({ type: 'response.output_text.delta', delta: 'error' })).toBeNull()
    expect(
      errorFromResponsesEvent({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } }),
    ).toBeNull()
    expect(errorFromResponsesEvent('error')).toBeNull()
  })
})
