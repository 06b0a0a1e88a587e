import { describe, expect, it } from 'vitest'
import { FailureLimit } from './rate-limit.ts'
import { hostChoice, llmAnalyticsUrl, maskKey } from './settings.ts'
import { newSession, validSession } from './auth.ts'

describe('admin settings', () => {
  it('masks a key to phc_… and its last 4 characters, none of a short one', () => {
    expect(maskKey('phc_abcdefghijklmnopWXYZ')).toBe('phc_…WXYZ')
    expect(maskKey('phc_short')).toBe('phc_…')
  })

  it('links the LLM analytics page of the project on PostHog’s app host, or on a self-hosted one', () => {
    expect(llmAnalyticsUrl('https://us.i.posthog.com', '123')).toBe('https://us.posthog.com/project/123/llm-analytics')
    expect(llmAnalyticsUrl('https://eu.i.posthog.com/', '9')).toBe('https://eu.posthog.com/project/9/llm-analytics')
    expect(llmAnalyticsUrl('https://ph.example.com/', '9')).toBe('https://ph.example.com/project/9/llm-analytics')
    expect(llmAnalyticsUrl('https://us.i.posthog.com', undefined)).toBeNull()
  })

  it('reads the host select’s choice from a host', () => {
    expect(hostChoice('https://us.i.posthog.com/')).toBe('us')
    expect(hostChoice('https://eu.i.posthog.com')).toBe('eu')
    expect(hostChoice('https://ph.example.com')).toBe('custom')
  })
})

describe('FailureLimit', () => {
  it('refuses an address past its failures until the window ends, and forgets the oldest address when full', () => {
    let now = 0
    const limit = new FailureLimit({ maxFailures: 2, windowMs: 1000, maxTracked: 2, now: () => now })
    limit.fail('a')
    expect(limit.retryAfter('a')).toBe(0)
    limit.fail('a')
    expect(limit.retryAfter('a')).toBe(1)
    now = 1000
    expect(limit.retryAfter('a')).toBe(0)
    limit.fail('a')
    limit.fail('a')
    limit.fail('b')
    limit.fail('c')
    expect(limit.retryAfter('a')).toBe(0)
  })
})

describe('admin session', () => {
  it('is valid for 8 hours, for this token only, and not once tampered with', async () => {
    const session = await newSession('token-1', 1_000)
    expect(await validSession(session, 'token-1', 2_000)).toBe(true)
    expect(await validSession(session, 'token-2', 2_000)).toBe(false)
    expect(await validSession(session, 'token-1', 1_000 + 8 * 3600_000 + 1)).toBe(false)
    expect(await validSession(session.replace(/^1000/, '1001'), 'token-1', 2_000)).toBe(false)
    expect(await validSession(undefined, 'token-1', 2_000)).toBe(false)
  })
})
