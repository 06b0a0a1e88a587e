/**
 * Counters rendered as Prometheus text at `/metrics`.
 * Label values come from config and upstream model ids, never from secrets.
 */

type Labels = Record<string, string>

const HELP: Record<string, string> = {
  openstack_requests_total: 'Proxied requests by route, provider and status.',
  openstack_events_total: 'Analytics events handed to the PostHog client.',
  openstack_events_dropped_total: 'Requests that produced no analytics event, by reason.',
  openstack_unknown_price_total: 'Requests whose model has no known price.',
  openstack_posthog_errors_total: 'Errors reported by the PostHog client.',
}

export type MetricName = keyof typeof HELP & string

export class Metrics {
  private readonly counters = new Map<string, Map<string, number>>()

  inc(name: MetricName, labels: Labels = {}): void {
    let series = this.counters.get(name)
    if (!series) this.counters.set(name, (series = new Map()))
    const key = formatLabels(labels)
    series.set(key, (series.get(key) ?? 0) + 1)
  }

  value(name: MetricName, labels: Labels = {}): number {
    return this.counters.get(name)?.get(formatLabels(labels)) ?? 0
  }

  render(): string {
    const lines: string[] = []
    for (const [name, help] of Object.entries(HELP)) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`)
      for (const [labels, value] of this.counters.get(name) ?? []) lines.push(`${name}${labels} ${value}`)
    }
    return `${lines.join('\n')}\n`
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ''
  const escaped = entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
  return `{${escaped.join(',')}}`
}
