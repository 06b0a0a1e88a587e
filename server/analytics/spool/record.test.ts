import { describe, expect, it } from 'vitest'
import { capEventSize } from '../../../shared/event/truncate.ts'
import { decodeSegment, encodeEntry, encodeRecord, linesToBuffer } from './record.ts'
import type { SpoolEntry } from './types.ts'

function entry(properties: Record<string, unknown>): SpoolEntry {
  return {
    uuid: '0192f0c1-0000-7000-8000-000000000001',
    host: 'https://eu.i.posthog.com',
    apiKey: 'phc_"quoted"\\key',
    event: '$ai_generation',
    distinctId: 'usér 😀',
    timestamp: '2026-11-30T12:00:00.000Z',
    properties,
  }
}

const PROPERTIES = { $ai_model: 'gpt-4o-mini', $ai_input: [{ role: 'user', content: 'é "q" \n 😀 \u2028 中文' }], $ai_total_cost_usd: 0.00000555 }

describe('encodeEntry', () => {
  it('writes the JSON the size check made as the record JSON.stringify would write, which reads back whole', () => {
    const e = entry(capEventSize({ ...PROPERTIES }))
    const line = encodeEntry(1_764_504_000_000, e)
    expect(line).toEqual(encodeRecord({ k: 'e', at: 1_764_504_000_000, e }))
    const decoded = decodeSegment(linesToBuffer([line]))
    expect(decoded).toEqual({ records: [{ record: { k: 'e', at: 1_764_504_000_000, e }, bytes: line.bytes }], torn: 0, corrupt: 0 })
    expect(linesToBuffer([line]).length).toBe(line.bytes)
  })

  it('serialises the properties itself when no size check measured them', () => {
    const e = entry({ ...PROPERTIES })
    const line = encodeEntry(7, e)
    expect(line).toEqual(encodeRecord({ k: 'e', at: 7, e }))
    expect(decodeSegment(linesToBuffer([line])).records[0]?.record).toEqual({ k: 'e', at: 7, e })
  })
})
