import { describe, expect, it } from 'vitest'
import { deliveryMetrics, LATENCY_BUCKETS, Metrics } from './metrics.ts'

/** The samples of a Prometheus text exposition, as a scraper reads them: `name{labels}` → value. */
function parse(text: string): { samples: Map<string, number>; help: Map<string, string>; type: Map<string, string> } {
  const samples = new Map<string, number>()
  const help = new Map<string, string>()
  const type = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
    if (meta) {
      ;(meta[1] === 'HELP' ? help : type).set(meta[2]!, meta[3]!)
      continue
    }
    // name, optional {label="value",...} with \\, \" and \n escapes, then a float.
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\[\\"n])*",?)*\})? (\S+)$/.exec(line)
    if (!sample) throw new Error(`not a sample line: ${JSON.stringify(line)}`)
    samples.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]))
  }
  return { samples, help, type }
}

const COUNTERS = [
  'openstack_requests_total',
  'openstack_events_spooled_total',
  'openstack_events_delivered_total',
  'openstack_events_retried_total',
  'openstack_events_dead_lettered_total',
  'openstack_events_dropped_total',
  'openstack_unknown_price_total',
  'openstack_posthog_errors_total',
]
const GAUGES = ['openstack_spool_depth', 'openstack_spool_bytes', 'openstack_spool_oldest_age_seconds']

describe('Metrics', () => {
  it('describes every metric with HELP and TYPE, and shows what it can at 0 before any traffic', async () => {
    const metrics = new Metrics()
    const { samples, help, type } = parse(await metrics.render())
    for (const name of COUNTERS) {
      expect(type.get(name), name).toBe('counter')
      expect(help.get(name), name).toBeTruthy()
    }
    for (const name of GAUGES) expect(type.get(name), name).toBe('gauge')
    expect(type.get('openstack_request_duration_seconds')).toBe('histogram')
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8')

    const zero = [
      'openstack_events_spooled_total',
      'openstack_events_delivered_total',
      'openstack_events_retried_total',
      'openstack_posthog_errors_total',
      'openstack_events_dropped_total{reason="missing-user"}',
      'openstack_events_dropped_total{reason="spool-full"}',
      'openstack_events_dropped_total{reason="spool-error"}',
      'openstack_events_dead_lettered_total{reason="bad-request"}',
      'openstack_events_dead_lettered_total{reason="unauthorized"}',
      'openstack_events_dead_lettered_total{reason="too-large"}',
      'openstack_events_dead_lettered_total{reason="refused"}',
      ...GAUGES,
    ]
    for (const sample of zero) expect(samples.get(sample), sample).toBe(0)
    // Only the gauges and counters above: no process metrics, no series made up for labels not seen yet.
    expect([...samples.keys()].sort()).toEqual([...zero].sort())
  })

  it('counts with labels, escaping label values as the text format asks', async () => {
    const metrics = new Metrics()
    metrics.requests.inc({ route: 'chat', provider: 'openai', status: '200' })
    metrics.requests.inc({ route: 'chat', provider: 'openai', status: '200' })
    metrics.requests.inc({ route: 'chat', provider: 'openai', status: '502' })
    metrics.unknownPrice.inc({ provider: 'openai', model: 'we"ird\\mo\ndel' })
    metrics.eventsDropped.inc({ reason: 'missing-user' })
    metrics.posthogErrors.inc()
    const text = await metrics.render()
    expect(text).toContain('openstack_unknown_price_total{provider="openai",model="we\\"ird\\\\mo\\ndel"} 1\n')
    const { samples } = parse(text)
    expect(samples.get('openstack_requests_total{route="chat",provider="openai",status="200"}')).toBe(2)
    expect(samples.get('openstack_requests_total{route="chat",provider="openai",status="502"}')).toBe(1)
    expect(samples.get('openstack_events_dropped_total{reason="missing-user"}')).toBe(1)
    expect(samples.get('openstack_posthog_errors_total')).toBe(1)
    expect(await metrics.value('openstack_requests_total', { route: 'chat', provider: 'openai', status: '200' })).toBe(2)
    expect(await metrics.value('openstack_requests_total', { route: 'embeddings', provider: 'openai', status: '200' })).toBe(0)
  })

  it('renders the latency histogram with cumulative buckets from 5 ms to 120 s, _sum and _count', async () => {
    const metrics = new Metrics()
    const labels = { route: 'chat', provider: 'openai' }
    for (const seconds of [0.004, 0.3, 7, 500]) metrics.requestDuration.observe(labels, seconds)
    const { samples } = parse(await metrics.render())
    const bucket = (le: string) => samples.get(`openstack_request_duration_seconds_bucket{le="${le}",route="chat",provider="openai"}`)
    expect(LATENCY_BUCKETS[0]).toBe(0.005)
    expect(LATENCY_BUCKETS.at(-1)).toBe(120)
    expect(bucket('0.005')).toBe(1)
    expect(bucket('0.25')).toBe(1)
    expect(bucket('0.5')).toBe(2)
    expect(bucket('10')).toBe(3)
    expect(bucket('120')).toBe(3)
    expect(bucket('+Inf')).toBe(4)
    // Buckets never go down, as a scraper expects.
    const counts = LATENCY_BUCKETS.map((le) => bucket(String(le))!)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    expect(samples.get('openstack_request_duration_seconds_sum{route="chat",provider="openai"}')).toBeCloseTo(507.304)
    expect(samples.get('openstack_request_duration_seconds_count{route="chat",provider="openai"}')).toBe(4)
  })

  it('reads the spool gauges from the callback at each scrape, and never per event', async () => {
    const metrics = new Metrics()
    let calls = 0
    let stats = { depth: 3, bytes: 4096, oldestAgeSeconds: 12.5 as number | null }
    metrics.setSpoolStats(() => {
      calls++
      return stats
    })
    expect(calls).toBe(0)
    let { samples } = parse(await metrics.render())
    expect(calls).toBe(1)
    expect(samples.get('openstack_spool_depth')).toBe(3)
    expect(samples.get('openstack_spool_bytes')).toBe(4096)
    expect(samples.get('openstack_spool_oldest_age_seconds')).toBe(12.5)

    stats = { depth: 0, bytes: 0, oldestAgeSeconds: null }
    ;({ samples } = parse(await metrics.render()))
    expect(calls).toBe(2)
    expect(samples.get('openstack_spool_depth')).toBe(0)
    expect(samples.get('openstack_spool_oldest_age_seconds')).toBe(0)

    // A spool that cannot answer shows as unknown, and the scrape still succeeds.
    metrics.setSpoolStats(() => {
      throw new Error('closed')
    })
    ;({ samples } = parse(await metrics.render()))
    expect(samples.get('openstack_spool_depth')).toBeNaN()
  })

  it('counts the spooled delivery through the counters delivery asks for', async () => {
    const metrics = new Metrics()
    const delivery = deliveryMetrics(metrics)
    delivery.spooled(5)
    delivery.delivered(3)
    delivery.retried(2)
    delivery.deadLettered(1, 'too-large')
    delivery.dropped(4, 'spool-full')
    delivery.posthogError()
    metrics.eventsDeadLettered.inc({ reason: 'unauthorized' })
    const { samples } = parse(await metrics.render())
    expect(samples.get('openstack_events_spooled_total')).toBe(5)
    expect(samples.get('openstack_events_delivered_total')).toBe(3)
    expect(samples.get('openstack_events_retried_total')).toBe(2)
    expect(samples.get('openstack_events_dead_lettered_total{reason="too-large"}')).toBe(1)
    expect(samples.get('openstack_events_dead_lettered_total{reason="unauthorized"}')).toBe(1)
    expect(samples.get('openstack_events_dropped_total{reason="spool-full"}')).toBe(4)
    expect(samples.get('openstack_posthog_errors_total')).toBe(1)
  })

  it('keeps two instances apart (several apps in one process)', async () => {
    const a = new Metrics()
    const b = new Metrics()
    a.requests.inc({ route: 'chat', provider: 'openai', status: '200' })
    a.setSpoolStats(() => ({ depth: 7, bytes: 1, oldestAgeSeconds: 1 }))
    expect(await a.value('openstack_requests_total', { route: 'chat', provider: 'openai', status: '200' })).toBe(1)
    expect(await b.value('openstack_requests_total', { route: 'chat', provider: 'openai', status: '200' })).toBe(0)
    expect(parse(await a.render()).samples.get('openstack_spool_depth')).toBe(7)
    expect(parse(await b.render()).samples.get('openstack_spool_depth')).toBe(0)
  })
})
