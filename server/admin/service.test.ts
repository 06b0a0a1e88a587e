import { describe, expect, it } from 'vitest'
import { DeliveryStatus } from '../analytics/status.ts'
import { LiveConfig } from '../config/live.ts'
import { loadConfig } from '../config/load.ts'
import { Paywalls } from '../paywalls.ts'
import { Admin } from './service.ts'

function admin(spooled: number) {
  const loaded = loadConfig(
    JSON.stringify({ paywalls: [{ id: 'pw', apiKeys: ['k'], providers: {}, posthog: { enabled: true, apiKey: 'phc_0123456789abcdef' } }] }),
    {},
  )
  if (!loaded.ok) throw new Error(loaded.errors.join())
  const built = Paywalls.build(loaded.config)
  if (!built.ok) throw new Error(built.errors.join())
  const live = new LiveConfig({ config: loaded.config, paywalls: built.paywalls }, null, null, {}, () => {})
  const delivery = { deliverNow: async () => ({ spooled, refused: 1 - spooled }), waiting: () => [] }
  return new Admin({ live, delivery, status: new DeliveryStatus(), log: () => {}, libVersion: '0.0.0', testEventTimeoutMs: 50 })
}

describe('Admin.sendTestEvent', () => {
  it('gives up waiting for PostHog after its timeout, saying the event stays spooled', async () => {
    expect(await admin(1).sendTestEvent('pw')).toMatchObject({
      delivered: false,
      status: 504,
      error: 'PostHog did not answer within 0.05 s; the event stays spooled and is retried.',
    })
  })

  it('says when the spool refused the event', async () => {
    expect(await admin(0).sendTestEvent('pw')).toMatchObject({ delivered: false, status: 503, error: expect.stringContaining('spool refused') })
  })
})
