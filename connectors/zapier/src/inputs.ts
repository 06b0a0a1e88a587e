/**
 * The action's input values as Zapier hands them over: typed by field in the editor, but a mapped value
 * can be any text, so each is checked here and a bad one stops the action before any request.
 */
import type { Bundle, ZObject } from 'zapier-platform-core'
import { connectorUserId } from '../../../shared/connectors/user-id.ts'

/**
 * The End User field, else the connection's Default End User (SPEC §8). Checked first in every action:
 * without an id nothing is sent, since the proxy attributes each call to it in PostHog.
 */
export function requireUserId(z: ZObject, bundle: Bundle): string {
  const result = connectorUserId(bundle.inputData.user_id, bundle.authData.default_user_id)
  if (result.ok) return result.userId
  if (result.reason === 'invalid') {
    const where = result.inDefault ? 'Default End User on the connection' : 'End User'
    throw new z.errors.Error(`Invalid ${where}: ${result.message}`, 'invalid_user_id', 400)
  }
  throw new z.errors.Error(
    'End User is empty: map it to a stable id of the person this request is for (an email, a CRM contact id), ' +
      'or set a Default End User on the connection. The proxy attributes every call to this id in PostHog, so the action does not run without one.',
    'missing_user_id',
    400,
  )
}

/** The Model field: a model id as the proxy names it (from the dropdown, or mapped), trimmed. */
export function requireModel(z: ZObject, raw: unknown): string {
  const model = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : ''
  if (model === '') throw new z.errors.Error('Model is empty: choose a model from the list, or map a model id such as openai/gpt-4o-mini.', 'missing_model', 400)
  return model
}

/** An optional text field: '' when unset. */
export function text(raw: unknown): string {
  return typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : ''
}

/** An optional number field: undefined when blank; a mapped value that is no number stops the action. */
export function optionalNumber(z: ZObject, raw: unknown, label: string, integer = false): number | undefined {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return undefined
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new z.errors.Error(`${label} must be ${integer ? 'a whole number' : 'a number'}, not "${String(raw)}".`, 'invalid_input', 400)
  }
  return value
}

/** A boolean field: Zapier gives a boolean, a mapped value may be text ("true", "yes"). */
export function isOn(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw
  return typeof raw === 'string' && ['true', 'yes', '1', 'on'].includes(raw.trim().toLowerCase())
}
