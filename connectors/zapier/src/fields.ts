/** Input fields both actions share (SPEC §8 names the keys: users' Zaps store them). */
import type { Bundle, PlainInputField, ZObject } from 'zapier-platform-core'
import { isOn } from './inputs.ts'

export const modelField = {
  key: 'model',
  label: 'Model',
  required: true,
  dynamic: 'list_models.id.name',
  helpText: 'The model to call, as the proxy names it (for example `openai/gpt-4o-mini`). Pick one from the list, or enter or map a model id.',
} satisfies PlainInputField

/**
 * End User (`user_id`): required, unless the connection has a Default End User to fall back on; then
 * the editor lets it be empty and a blank value (also a mapped one that comes out blank) uses the default.
 * A function, so the editor shows it required exactly when nothing would fill it.
 */
export function userIdField(_z: ZObject, bundle: Bundle): PlainInputField[] {
  const fallback = (bundle.authData.default_user_id ?? '').trim()
  return [
    {
      key: 'user_id',
      label: 'End User',
      required: fallback === '',
      helpText:
        'A stable identifier of the person this request is for (an email, a CRM contact id), usually mapped from an earlier step. ' +
        'PostHog LLM analytics attributes the call to this person. ' +
        (fallback === '' ? 'Required: the connection has no Default End User.' : "Leave it empty to use the connection's Default End User."),
    },
  ]
}

export const jsonOutputField = {
  key: 'json_output',
  label: 'JSON Output',
  type: 'boolean',
  default: 'false',
  helpText: 'Asks the model for a JSON object (`response_format` json_object); Text then holds that JSON. Mention JSON in your prompt: providers require it.',
} satisfies PlainInputField

export const showAdvancedField = {
  key: 'show_advanced',
  label: 'Show Advanced Options',
  type: 'boolean',
  default: 'false',
  altersDynamicFields: true,
  helpText: 'Shows Temperature and Max Tokens.',
} satisfies PlainInputField

/** Temperature and Max Tokens, shown only with Show Advanced Options on (Zapier's own OpenAI template does the same). */
export function advancedFields(_z: ZObject, bundle: Bundle): PlainInputField[] {
  if (!isOn(bundle.inputData.show_advanced)) return []
  return [
    {
      key: 'temperature',
      label: 'Temperature',
      type: 'number',
      helpText: 'Between 0 and 2: higher values make answers more random, lower ones more focused. Empty: the model’s default.',
    },
    {
      key: 'max_tokens',
      label: 'Max Tokens',
      type: 'integer',
      helpText: 'The most tokens the answer may have. A lower value also keeps long answers inside Zapier’s 30-second limit.',
    },
  ]
}
