/** The Analytics form: its values, read from a saved paywall or a submitted form, and turned into a change. */
import type { ConfigIssue } from '../config/load.ts'
import { type AnalyticsChange, type HostChoice, hostChoice, POSTHOG_HOSTS, type PaywallView } from './settings.ts'

/** What the form shows. The key is never among them: the field is always empty (write-only). */
export interface FormValues {
  enabled: boolean
  host: HostChoice
  customHost: string
  projectId: string
  privacyMode: boolean
  requireUser: boolean
  anonymousFallback: boolean
}

/** The form's fields, by the name each input carries. */
export type FieldName = keyof FormValues | 'apiKey'

export function valuesOf(paywall: PaywallView): FormValues {
  const choice = hostChoice(paywall.posthog.host)
  return {
    enabled: paywall.posthog.enabled,
    host: choice,
    customHost: choice === 'custom' ? paywall.posthog.host : '',
    projectId: paywall.posthog.projectId ?? '',
    privacyMode: paywall.posthog.privacyMode,
    requireUser: paywall.requireUser,
    anonymousFallback: paywall.posthog.anonymousFallback,
  }
}

export function valuesFromForm(form: Record<string, unknown>): FormValues {
  const choice = formText(form, 'host')
  return {
    enabled: form.enabled === 'on',
    host: choice === 'us' || choice === 'eu' ? choice : 'custom',
    customHost: formText(form, 'customHost'),
    projectId: formText(form, 'projectId'),
    privacyMode: form.privacyMode === 'on',
    requireUser: form.requireUser === 'on',
    anonymousFallback: form.anonymousFallback === 'on',
  }
}

/** The change a submitted form asks for: an empty key field keeps the saved key, an empty Project ID removes it. */
export function changeFromForm(values: FormValues, apiKey: string): AnalyticsChange {
  return {
    posthog: {
      enabled: values.enabled,
      apiKey,
      host: values.host === 'custom' ? values.customHost : POSTHOG_HOSTS[values.host],
      projectId: values.projectId,
      privacyMode: values.privacyMode,
      anonymousFallback: values.anonymousFallback,
    },
    requireUser: values.requireUser,
  }
}

/** Each issue next to the field it concerns; the rest (other parts of the file) for the top of the form. */
export function fieldErrors(issues: ConfigIssue[], values: FormValues): { byField: Map<FieldName, string>; general: ConfigIssue[] } {
  const byField = new Map<FieldName, string>()
  const general: ConfigIssue[] = []
  for (const issue of issues) {
    const field = fieldOf(issue.path, values)
    if (field && !byField.has(field)) byField.set(field, issue.message)
    else general.push(issue)
  }
  return { byField, general }
}

function fieldOf(path: string, values: FormValues): FieldName | null {
  if (path === 'requireUser') return 'requireUser'
  const field = /^posthog\.(\w+)$/.exec(path)?.[1]
  if (field === 'host') return values.host === 'custom' ? 'customHost' : 'host'
  if (field === 'enabled' || field === 'apiKey' || field === 'projectId' || field === 'privacyMode' || field === 'anonymousFallback') return field
  return null
}

/** A submitted field's text, trimmed; '' when absent. */
export function formText(form: Record<string, unknown>, name: string): string {
  const value = form[name]
  return typeof value === 'string' ? value.trim() : ''
}
