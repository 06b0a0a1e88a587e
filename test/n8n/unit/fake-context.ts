/**
 * Hand-written stand-ins for n8n's execution contexts: n8n-core (which builds the real ones) is not
 * published for community nodes. Each fake implements only what the nodes call, hence the casts.
 */
import type {
  IDataObject,
  IExecuteFunctions,
  IHttpRequestOptions,
  ILoadOptionsFunctions,
  IN8nHttpFullResponse,
  INode,
  ISupplyDataFunctions,
} from 'n8n-workflow'
import { OpenStackApi } from '../../../connectors/n8n/credentials/OpenStackApi.credentials.ts'

export const CREDENTIALS = { baseUrl: 'http://127.0.0.1:8080/v1/', apiKey: 'sk-openstack-test' }

export const NODE: INode = {
  id: 'node-1',
  name: 'OpenStack',
  type: 'n8n-nodes-openstack.openStack',
  typeVersion: 1,
  position: [0, 0],
  parameters: {},
}

/** A request as it left the node, after the credential's `authenticate` ran (as n8n-core applies it). */
export interface SentRequest {
  credentialType: string
  options: IHttpRequestOptions
}

export type Responder = (options: IHttpRequestOptions) => IN8nHttpFullResponse | Promise<IN8nHttpFullResponse>

export interface FakeContext<T> {
  ctx: T
  sent: SentRequest[]
}

/** `{ __rl, mode, value }` of a resource locator, read as n8n-core does with `extractValue`. */
function parameter(params: IDataObject, name: string, fallback: unknown, options?: { extractValue?: boolean }): unknown {
  const value = name in params ? params[name] : fallback
  if (options?.extractValue && typeof value === 'object' && value !== null && '__rl' in value && 'value' in value) {
    return value.value
  }
  return value
}

function http(sent: SentRequest[], respond: Responder, credentials: typeof CREDENTIALS) {
  return async (credentialType: string, options: IHttpRequestOptions): Promise<unknown> => {
    const authenticated = await new OpenStackApi().authenticate(credentials, structuredClone(options))
    sent.push({ credentialType, options: authenticated })
    const response = await respond(authenticated)
    return options.returnFullResponse ? response : response.body
  }
}

/** An IExecuteFunctions over one input item per entry of `items` (each the node's parameters for that item). */
export function executeContext(
  items: IDataObject[],
  respond: Responder,
  { continueOnFail = false, credentials = CREDENTIALS } = {},
): FakeContext<IExecuteFunctions> {
  const sent: SentRequest[] = []
  const ctx = {
    getInputData: () => items.map((_, i) => ({ json: { index: i } })),
    getNode: () => NODE,
    getNodeParameter: (name: string, itemIndex: number, fallback?: unknown, options?: { extractValue?: boolean }) =>
      parameter(items[itemIndex] ?? {}, name, fallback, options),
    getCredentials: async (type: string) => {
      if (type !== 'openStackApi') throw new Error(`unexpected credential type ${type}`)
      return credentials
    },
    continueOnFail: () => continueOnFail,
    helpers: { httpRequestWithAuthentication: http(sent, respond, credentials) },
  }
  return { ctx: ctx as unknown as IExecuteFunctions, sent }
}

export function loadOptionsContext(respond: Responder, credentials = CREDENTIALS): FakeContext<ILoadOptionsFunctions> {
  const sent: SentRequest[] = []
  const ctx = {
    getNode: () => NODE,
    getCredentials: async () => credentials,
    helpers: { httpRequestWithAuthentication: http(sent, respond, credentials) },
  }
  return { ctx: ctx as unknown as ILoadOptionsFunctions, sent }
}

/** What the SDK's model client and n8n's LLM tracing call on the sub-node's context. */
export function supplyDataContext(params: IDataObject, credentials = CREDENTIALS): ISupplyDataFunctions {
  const ctx = {
    getNode: () => ({ ...NODE, name: 'OpenStack Chat Model', type: 'n8n-nodes-openstack.lmChatOpenStack' }),
    getNodeParameter: (name: string, _itemIndex: number, fallback?: unknown, options?: { extractValue?: boolean }) =>
      parameter(params, name, fallback, options),
    getCredentials: async () => credentials,
    // Anything else than 'disabled' makes @n8n/backend-network build an SSRF filter from n8n's config.
    helpers: { getSecureEgressFilter: () => 'disabled' },
    getNextRunIndex: () => 0,
    addInputData: () => ({ index: 0 }),
    addOutputData: () => undefined,
    logAiEvent: () => undefined,
    setMetadata: () => undefined,
    getExecutionCancelSignal: () => undefined,
  }
  return ctx as unknown as ISupplyDataFunctions
}

/** A 200 Chat Completion as the proxy relays it, with the proxy's cost header when `costUsd` is given. */
export function completion(
  content: string,
  { model = 'gpt-4o-mini-2024-07-18', costUsd }: { model?: string; costUsd?: string } = {},
): IN8nHttpFullResponse {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'application/json',
      'x-openstack-request-id': 'req_1',
      ...(costUsd === undefined ? {} : { 'x-openstack-cost-usd': costUsd }),
    },
    body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1764460800,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
    },
  }
}

/** An OpenAI-format error answer, as the proxy sends its own and relays an upstream's. */
export function proxyError(statusCode: number, message: string, type = 'invalid_request_error', code: string | null = null): IN8nHttpFullResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: { error: { message, type, code } } }
}

/**
 * A real HTTP call, with what the nodes rely on from n8n-core's httpRequest: a JSON body, a parsed JSON
 * answer, lower-cased response headers, and HTTP errors returned as responses under `ignoreHttpStatusErrors`.
 */
export const fetchResponder: Responder = async (options) => {
  const json = options.body !== undefined
  const response = await fetch(options.url, {
    method: options.method ?? 'GET',
    headers: { ...(options.headers as Record<string, string>), ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json ? JSON.stringify(options.body) : undefined,
  })
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON: n8n hands the text over as is.
  }
  if (response.status >= 400 && !options.ignoreHttpStatusErrors) throw new Error(`HTTP ${response.status}: ${text}`)
  return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: body as IN8nHttpFullResponse['body'] }
}
