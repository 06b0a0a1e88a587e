/**
 * Zapier's publishing checks that core's local `validate` does not run (shared/reference/zapier.md §2.2,
 * §3.1), as plain functions over the app definition, each returning what it finds wrong ([] when nothing):
 * D012 a visible action has a static sample; D024 the sample (and any output) matches the output fields'
 * types and required flags; D018 labels are Title Case; D002 a secret auth field links to where it is found.
 */
import type { PlainInputField, PlainOutputField } from 'zapier-platform-core'

/** One output (a sample, or what an action returned) against its output fields: keys, types, required. */
export function outputProblems(output: Record<string, unknown>, fields: readonly PlainOutputField[]): string[] {
  const problems: string[] = []
  const keys = new Set(fields.map((field) => field.key))
  for (const key of Object.keys(output)) if (!keys.has(key)) problems.push(`${key}: not in outputFields`)
  for (const field of fields) {
    const value = output[field.key]
    if (value === undefined || value === null) {
      if (field.required) problems.push(`${field.key}: required but ${value === null ? 'null' : 'missing'}`)
      if (value === undefined) problems.push(`${field.key}: in outputFields but not in the output`)
      continue
    }
    const type = field.type ?? 'string'
    const fits =
      type === 'integer'
        ? Number.isInteger(value)
        : type === 'number'
          ? typeof value === 'number' && Number.isFinite(value)
          : type === 'boolean'
            ? typeof value === 'boolean'
            : typeof value === 'string'
    if (!fits) problems.push(`${field.key}: ${JSON.stringify(value)} is not of type ${type}`)
  }
  return problems
}

interface Operation {
  sample?: Record<string, unknown>
  outputFields?: ReadonlyArray<PlainOutputField | ((...args: never[]) => unknown)>
}

interface Action {
  display: { label: string; hidden?: boolean }
  operation: Operation
}

/** D012 + D024 for every visible trigger and create. */
export function sampleProblems(actions: Record<string, Action>): string[] {
  return Object.entries(actions).flatMap(([key, action]) => {
    if (action.display.hidden) return []
    const { sample, outputFields } = action.operation
    if (!sample) return [`${key}: no sample (D012)`]
    if (!outputFields) return [`${key}: no outputFields`]
    const plain = outputFields.filter((field): field is PlainOutputField => typeof field !== 'function')
    return outputProblems(sample, plain).map((problem) => `${key}: sample ${problem} (D024)`)
  })
}

// Zapier's Title Case: every word capitalised except short joining words (not first).
const MINOR_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'but', 'by', 'for', 'in', 'nor', 'of', 'on', 'or', 'the', 'to', 'with'])

export function isTitleCase(label: string): boolean {
  const words = label.split(/\s+/).filter((word) => /[a-z]/i.test(word))
  return words.every((word, index) => {
    const letters = word.replace(/^[^a-z]+/i, '')
    if (index > 0 && MINOR_WORDS.has(letters.toLowerCase())) return letters === letters.toLowerCase()
    return /^[A-Z0-9]/.test(letters)
  })
}

/** Every label a user sees: actions, their input fields (children too) and output fields, auth fields. */
export function labels(app: {
  authentication: { fields?: ReadonlyArray<{ key: string; label?: string }> }
  triggers?: Record<string, Action & { operation: { inputFields?: readonly unknown[] } }>
  creates?: Record<string, Action & { operation: { inputFields?: readonly unknown[] } }>
}, expandedFields: Record<string, readonly PlainInputField[]> = {}): Array<{ where: string; label: string }> {
  const found: Array<{ where: string; label: string }> = []
  const add = (where: string, label: string | undefined) => label !== undefined && found.push({ where, label })
  for (const field of app.authentication.fields ?? []) add(`authentication.${field.key}`, field.label)
  const inputs = (where: string, fields: readonly unknown[]) => {
    for (const field of fields) {
      if (typeof field === 'function') continue
      const plain = field as PlainInputField
      add(`${where}.${plain.key}`, plain.label)
      if (plain.children) inputs(`${where}.${plain.key}`, plain.children)
    }
  }
  for (const [key, action] of [...Object.entries(app.triggers ?? {}), ...Object.entries(app.creates ?? {})]) {
    add(key, action.display.label)
    inputs(key, action.operation.inputFields ?? [])
    inputs(key, expandedFields[key] ?? [])
    for (const field of action.operation.outputFields ?? []) if (typeof field !== 'function') add(`${key}.${field.key}`, field.label)
  }
  return found
}

/** D018 over `labels`. */
export function titleCaseProblems(found: ReadonlyArray<{ where: string; label: string }>): string[] {
  return found.filter(({ label }) => !isTitleCase(label)).map(({ where, label }) => `${where}: "${label}" is not Title Case (D018)`)
}

/** D002: each password auth field's help text has a Markdown link (to where the secret is found). */
export function authHelpProblems(fields: ReadonlyArray<{ key: string; type?: string; helpText?: string }>): string[] {
  return fields
    .filter((field) => field.type === 'password')
    .filter((field) => !/\[[^\]]+\]\(https:\/\/[^)\s]+\)/.test(field.helpText ?? ''))
    .map((field) => `authentication.${field.key}: help text has no Markdown link to where the key is found (D002)`)
}
