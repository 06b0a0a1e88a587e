/** What both nodes share: the credential, the user id rules, and the proxy's model list. */
import type { ILoadOptionsFunctions, INode, INodeListSearchResult, INodeProperties } from 'n8n-workflow'
import { NodeApiError, NodeOperationError } from 'n8n-workflow'
import { modelsFromOpenAIList } from '../../../../shared/apis/openai/models.ts'
import { resolveUserId } from '../../../../shared/user-id/index.ts'

export const CREDENTIAL_TYPE = 'openStackApi'

/** Header the proxy reads the end-user id from (SPEC §2), sent beside the body field `user`. */
export const USER_HEADER = 'X-Openstack-User'

export interface OpenStackCredentials {
  baseUrl: string
  apiKey: string
}

/** The credential's base URL without a trailing slash, so `${base}/models` never has `//`. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '')
}

/**
 * The User ID parameter, checked with the proxy's own rules (trimmed; blank, over 200 characters or with
 * control characters refused), so a bad id fails the item here instead of an unattributed or refused call.
 */
export function requireUserId(node: INode, raw: unknown, itemIndex: number): string {
  // An expression such as {{ $json.id }} may give a number: it is the same id as text.
  const value = typeof raw === 'number' ? String(raw) : raw
  const result = resolveUserId({ bodyUser: value })
  if (!result.ok) {
    throw new NodeOperationError(node, `Invalid User ID: ${result.message}`, { itemIndex })
  }
  if (result.userId === null) {
    throw new NodeOperationError(node, 'User ID is empty: set it to a stable ID of the end user, e.g. {{ $json.userId }}', {
      itemIndex,
      description: 'The proxy attributes every LLM call to this ID in PostHog, so the node refuses to call it without one.',
    })
  }
  return result.userId
}

// HTTP clients refuse header values outside Latin-1, and servers disagree on decoding non-ASCII bytes.
const HEADER_SAFE = /^[\x20-\x7e]+$/

/**
 * The user header for an id. An id that cannot travel in a header (non-ASCII, such as a name in Chinese)
 * goes in the body field `user` only, which the proxy reads first anyway.
 */
export function userHeaders(userId: string): Record<string, string> {
  return HEADER_SAFE.test(userId) ? { [USER_HEADER]: userId } : {}
}

/** The model, picked from the proxy's `GET /models` list or typed as an id. */
export const modelProperty: INodeProperties = {
  displayName: 'Model',
  name: 'model',
  type: 'resourceLocator',
  default: { mode: 'list', value: '' },
  required: true,
  description: 'The model to call, as the proxy names it (for example openai/gpt-4o-mini)',
  modes: [
    {
      displayName: 'From List',
      name: 'list',
      type: 'list',
      placeholder: 'Select a model...',
      typeOptions: { searchListMethod: 'searchModels', searchable: true },
    },
    {
      displayName: 'ID',
      name: 'id',
      type: 'string',
      placeholder: 'openai/gpt-4o-mini',
    },
  ],
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

/** `methods.listSearch.searchModels`: the proxy's models, filtered by what the user typed. */
export async function searchModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
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
  const needle = filter?.trim().toLowerCase() ?? ''
  return {
    results: models
      .filter((model) => model.id.toLowerCase().includes(needle))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((model) => ({ name: model.id, value: model.id })),
  }
}
