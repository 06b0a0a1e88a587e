/** What both nodes share: the credential, the user id rules, and the proxy's model list. */
import type { ILoadOptionsFunctions, INode, INodeProperties, INodePropertyOptions } from 'n8n-workflow'
import { NodeApiError, NodeOperationError } from 'n8n-workflow'
import { modelsFromOpenAIList } from '../../../../shared/apis/openai/models.ts'
import { trimBaseUrl } from '../../../../shared/connectors/base-url.ts'
import { connectorUserId } from '../../../../shared/connectors/user-id.ts'

export { trimBaseUrl } from '../../../../shared/connectors/base-url.ts'
export { USER_HEADER, userHeaders } from '../../../../shared/connectors/user-id.ts'

export const CREDENTIAL_TYPE = 'openStackApi'

export interface OpenStackCredentials {
  baseUrl: string
  apiKey: string
}

/**
 * The User ID parameter, checked with the proxy's own rules (trimmed; blank, over 200 characters or with
 * control characters refused), so a bad id fails the item here instead of an unattributed or refused call.
 */
export function requireUserId(node: INode, raw: unknown, itemIndex: number): string {
  const result = connectorUserId(raw)
  if (result.ok) return result.userId
  if (result.reason === 'invalid') {
    throw new NodeOperationError(node, `Invalid User ID: ${result.message}`, { itemIndex })
  }
  throw new NodeOperationError(node, 'User ID is empty: set it to a stable ID of the end user, e.g. {{ $json.userId }}', {
    itemIndex,
    description: 'The proxy attributes every LLM call to this ID in PostHog, so the node refuses to call it without one.',
  })
}

/**
 * The model id (SPEC §8): a plain options field, so a saved workflow holds the id itself as a string
 * (`"openai/gpt-4o-mini"`, or an expression giving one). Its options come from the proxy's `GET /models`.
 * Not a resource locator: that would save `{ __rl, mode, value }`, and the saved shape is a public contract.
 */
export const modelProperty: INodeProperties = {
  displayName: 'Model Name or ID',
  name: 'model',
  type: 'options',
  typeOptions: { loadOptionsMethod: 'getModels' },
  default: '',
  required: true,
  description:
    'The model to call, as the proxy names it (for example openai/gpt-4o-mini). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
}

/** The Model parameter as a model id: a string (or a number from an expression), trimmed; anything else fails the item. */
export function requireModel(node: INode, raw: unknown, itemIndex: number): string {
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    throw new NodeOperationError(node, 'Model must be a model ID such as openai/gpt-4o-mini', {
      itemIndex,
      description: 'Pick a model from the list, or give its ID as text or as an expression.',
    })
  }
  const model = String(raw).trim()
  if (model === '') throw new NodeOperationError(node, 'Choose a model', { itemIndex })
  return model
}

export const userIdProperty: INodeProperties = {
  displayName: 'User ID',
  name: 'userId',
  type: 'string',
  default: '',
  required: true,
  placeholder: 'e.g. {{ $json.userId }}',
  description:
    'A stable ID of your end user (account ID, email). PostHog LLM analytics attributes the call to this person. Sent as the body field "user" and the X-Openstack-User header.',
}

/** Sampling options both nodes offer in their Options collection (each node lists them in name order). */
export const frequencyPenaltyOption: INodeProperties = {
  displayName: 'Frequency Penalty',
  name: 'frequencyPenalty',
  type: 'number',
  default: 0,
  typeOptions: { minValue: -2, maxValue: 2, numberPrecision: 1 },
  description: 'Positive values penalize tokens by how often they already appear',
}

export const maxTokensOption: INodeProperties = {
  displayName: 'Maximum Number of Tokens',
  name: 'maxTokens',
  type: 'number',
  default: 1024,
  typeOptions: { minValue: 1 },
  description: 'The most tokens an answer may have',
}

export const presencePenaltyOption: INodeProperties = {
  displayName: 'Presence Penalty',
  name: 'presencePenalty',
  type: 'number',
  default: 0,
  typeOptions: { minValue: -2, maxValue: 2, numberPrecision: 1 },
  description: 'Positive values penalize tokens that already appear, steering toward new topics',
}

/** The default differs: 1 (the API's) for single messages, 0.7 (as n8n's own chat models) for the sub-node. */
export function temperatureOption(defaultValue: number): INodeProperties {
  return {
    displayName: 'Sampling Temperature',
    name: 'temperature',
    type: 'number',
    default: defaultValue,
    typeOptions: { minValue: 0, maxValue: 2, numberPrecision: 1 },
    description: 'Higher values make answers more random, lower values more deterministic',
  }
}

export const topPOption: INodeProperties = {
  displayName: 'Top P',
  name: 'topP',
  type: 'number',
  default: 1,
  typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
  description: 'Nucleus sampling: only the tokens within this probability mass are considered',
}

/** `methods.loadOptions.getModels`: the proxy's models, by id, for the Model dropdown. */
export async function getModels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
  const credentials = await this.getCredentials<OpenStackCredentials>(CREDENTIAL_TYPE)
  const body: unknown = await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, {
    method: 'GET',
    url: `${trimBaseUrl(credentials.baseUrl)}/models`,
    headers: { Accept: 'application/json' },
    json: true,
  })
  const models = modelsFromOpenAIList(body)
  if (!models) {
    throw new NodeApiError(this.getNode(), {}, { message: 'The proxy answered GET /models without an OpenAI model list ({ data: [...] })' })
  }
  return models.map((model) => model.id).sort((a, b) => a.localeCompare(b)).map((id) => ({ name: id, value: id }))
}
