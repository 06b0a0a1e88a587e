/**
 * A paywall's analytics settings as the admin page and API show and change them: the key masked,
 * changes applied to the config file's raw JSON so that `${VAR}` references in unchanged fields stay.
 */
import { asObject } from '../../shared/json.ts'
import type { ConfigIssue } from '../config/load.ts'
import type { Config, PaywallConfig } from '../config/schema.ts'

export const POSTHOG_HOSTS = { us: 'https://us.i.posthog.com', eu: 'https://eu.i.posthog.com' } as const
export type HostChoice = keyof typeof POSTHOG_HOSTS | 'custom'

/** What `PUT /admin/api/paywalls/{id}` takes: the config file's own shape, every field optional. */
export interface AnalyticsChange {
  posthog?: {
    enabled?: unknown
    /** Write-only. Absent or "": keep the saved key; null: remove it. */
    apiKey?: unknown
    host?: unknown
    /** null or "": remove it. */
    projectId?: unknown
    privacyMode?: unknown
    anonymousFallback?: unknown
  }
  requireUser?: unknown
}

const POSTHOG_FIELDS = ['enabled', 'apiKey', 'host', 'projectId', 'privacyMode', 'anonymousFallback'] as const
/** Fields a blank value removes from the file (optional in the schema). */
const CLEARABLE = new Set<string>(['apiKey', 'projectId'])

/** The paywall as the admin API shows it: no secret (client keys, provider keys, the PostHog key) in it. */
export interface PaywallView {
  id: string
  name: string | null
  requireUser: boolean
  posthog: {
    enabled: boolean
    /** `phc_…` and the key's last 4 characters; null when no key is saved. */
    apiKeyHint: string | null
    host: string
    projectId: string | null
    privacyMode: boolean
    anonymousFallback: boolean
  }
  /** The project's LLM analytics page in PostHog; null without a Project ID. */
  llmAnalyticsUrl: string | null
}

export function paywallView(paywall: PaywallConfig): PaywallView {
  const { posthog } = paywall
  return {
    id: paywall.id,
    name: paywall.name ?? null,
    requireUser: paywall.requireUser,
    posthog: {
      enabled: posthog.enabled,
      apiKeyHint: posthog.apiKey ? maskKey(posthog.apiKey) : null,
      host: posthog.host,
      projectId: posthog.projectId ?? null,
      privacyMode: posthog.privacyMode,
      anonymousFallback: posthog.anonymousFallback,
    },
    llmAnalyticsUrl: llmAnalyticsUrl(posthog.host, posthog.projectId),
  }
}

/** SPEC §9: only `phc_…` and the last 4 characters; a key too short to spare 4 shows none of them. */
export function maskKey(key: string): string {
  return `phc_…${key.length >= 12 ? key.slice(-4) : ''}`
}

/** Which choice of the PostHog host select a host is. */
export function hostChoice(host: string): HostChoice {
  const bare = host.replace(/\/+$/, '')
  if (bare === POSTHOG_HOSTS.us) return 'us'
  if (bare === POSTHOG_HOSTS.eu) return 'eu'
  return 'custom'
}

/**
 * PostHog's app for an ingestion host: `us.i.posthog.com` → `us.posthog.com` (likewise EU); a
 * self-hosted PostHog serves its app and ingestion on one host.
 */
export function llmAnalyticsUrl(host: string, projectId: string | undefined): string | null {
  if (!projectId) return null
  let url: URL
  try {
    url = new URL(host)
  } catch {
    return null
  }
  const cloud = /^(us|eu)\.i\.posthog\.com$/.exec(url.hostname)
  const origin = cloud ? `https://${cloud[1]}.posthog.com` : url.origin
  return `${origin}/project/${encodeURIComponent(projectId)}/llm-analytics`
}

/**
 * Applies a change to paywall `id` in the raw config. A field is written only when its value differs
 * from the one in the file now, so a `${VAR}` reference stays unless the user changed that field.
 * Returns the issues that stop the change before the schema sees it (unknown fields, unknown paywall),
 * with config paths like the schema's.
 */
export function applyChange(raw: Record<string, unknown>, current: Config, id: string, change: AnalyticsChange): ConfigIssue[] {
  const index = current.paywalls.findIndex((p) => p.id === id)
  const rawPaywalls = raw.paywalls
  const rawPaywall = Array.isArray(rawPaywalls) ? asObject(rawPaywalls[index]) : null
  const paywall = current.paywalls[index]
  if (!paywall || !rawPaywall) return [{ path: '', message: `no paywall "${id}" in the config file` }]
  const unknown = unknownFields(change)
  if (unknown.length > 0) return unknown.map((issue) => ({ ...issue, path: `paywalls[${index}]${issue.path ? `.${issue.path}` : ''}` }))
  if (change.requireUser !== undefined && change.requireUser !== paywall.requireUser) rawPaywall.requireUser = change.requireUser
  const posthogChange = change.posthog ?? {}
  const rawPosthog = asObject(rawPaywall.posthog) ?? {}
  for (const field of POSTHOG_FIELDS) {
    const value = posthogChange[field]
    if (value === undefined || (field === 'apiKey' && value === '')) continue
    if (CLEARABLE.has(field) && (value === null || value === '')) delete rawPosthog[field]
    else if (value !== paywall.posthog[field]) rawPosthog[field] = value
  }
  rawPaywall.posthog = rawPosthog
  return []
}

function unknownFields(change: AnalyticsChange): ConfigIssue[] {
  if (!asObject(change)) return [{ path: '', message: 'expected a JSON object like {"posthog":{"enabled":true}}' }]
  const issues: ConfigIssue[] = []
  for (const key of Object.keys(change)) {
    if (key !== 'posthog' && key !== 'requireUser') issues.push({ path: key, message: 'not an analytics setting (posthog, requireUser)' })
  }
  if (change.posthog !== undefined && !asObject(change.posthog)) issues.push({ path: 'posthog', message: 'expected an object' })
  else for (const key of Object.keys(change.posthog ?? {})) {
    if (!(POSTHOG_FIELDS as readonly string[]).includes(key)) issues.push({ path: `posthog.${key}`, message: `not a PostHog setting (${POSTHOG_FIELDS.join(', ')})` })
  }
  return issues
}

/**
 * An issue's path as the change names it (`posthog.apiKey`) when it concerns paywall `index`;
 * other paths stay whole (`paywalls[1].providers.openai.apiKey`: the file has other problems).
 */
export function issuePath(path: string, index: number): string {
  const prefix = `paywalls[${index}]`
  if (path === prefix) return ''
  return path.startsWith(`${prefix}.`) ? path.slice(prefix.length + 1) : path
}
