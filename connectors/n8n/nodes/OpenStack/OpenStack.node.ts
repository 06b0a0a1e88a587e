import type {
  IDataObject,
  IExecuteFunctions,
  IN8nHttpFullResponse,
  INode,
  INodeExecutionData,
  INodeType,
  INodeTypeDescription,
  JsonObject,
} from 'n8n-workflow'
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow'
import { errorFromOpenAIBody } from '../../../../shared/apis/openai/error.ts'
import { completionFromChatJson } from '../../../../shared/completion/openai-chat.ts'
import {
  answerText,
  type ChatMessage,
  chatMessages,
  COST_HEADER,
  costFromHeader,
  type SamplingOptions,
  samplingFields,
} from '../../../../shared/connectors/chat.ts'
import { asObject } from '../../../../shared/json.ts'
import {
  CREDENTIAL_TYPE,
  type OpenStackCredentials,
  frequencyPenaltyOption,
  getModels,
  maxTokensOption,
  modelProperty,
  presencePenaltyOption,
  requireModel,
  requireUserId,
  temperatureOption,
  topPOption,
  trimBaseUrl,
  userHeaders,
  userIdProperty,
} from '../shared/proxy.ts'

/** The node's Options collection: the shared sampling options, under the same names. */
type MessageOptions = SamplingOptions

/**
 * The messages sent (SPEC §8): `systemMessage` first if set, then the Messages if they have entries,
 * else the Prompt as one user message. Neither gives nothing to send: the item fails before any request.
 */
export function buildMessages(
  node: INode,
  itemIndex: number,
  input: { prompt: string; messages: ChatMessage[]; systemMessage: string },
): ChatMessage[] {
  const messages = chatMessages(input)
  if (!messages) throw new NodeOperationError(node, 'Nothing to send: set the Prompt, or add Messages', { itemIndex })
  return messages
}

/** USD from the cost header (n8n gives header names lower-cased), or null when the proxy does not know the price. */
function costFromHeaders(headers: IDataObject): number | null {
  const raw = headers[COST_HEADER.toLowerCase()]
  return costFromHeader(typeof raw === 'string' ? raw : null)
}

/** Exactly `{ text, model, usage: { input_tokens, output_tokens }, cost_usd }` (SPEC §8); tokens null when the proxy gives no usage. */
export function simplify(
  node: INode,
  itemIndex: number,
  response: IN8nHttpFullResponse,
  requestedModel: string,
  jsonOutput: boolean,
): IDataObject {
  const completion = completionFromChatJson(response.body)
  const text = answerText(completion)
  let content: IDataObject | string = text
  if (jsonOutput) {
    try {
      content = JSON.parse(text) as IDataObject
    } catch {
      throw new NodeOperationError(node, "The model's answer is not valid JSON", {
        itemIndex,
        description: `It starts with: ${text.slice(0, 200)}`,
      })
    }
  }
  return {
    text: content,
    model: completion.model ?? requestedModel,
    usage: {
      input_tokens: completion.usage?.inputTokens ?? null,
      output_tokens: completion.usage?.outputTokens ?? null,
    },
    cost_usd: costFromHeaders(response.headers),
  }
}

export class OpenStack implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'OpenStack',
    name: 'openStack',
    icon: { light: 'file:../../icons/openstack.svg', dark: 'file:../../icons/openstack.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: '={{ "Message " + ($parameter["model"] || "a model") }}',
    description: 'Message any model through the OpenStack AI proxy, attributed to your end user in PostHog',
    defaults: { name: 'OpenStack' },
    usableAsTool: true,
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    credentials: [{ name: CREDENTIAL_TYPE, required: true }],
    properties: [
      {
        displayName: 'Resource',
        name: 'resource',
        type: 'options',
        noDataExpression: true,
        options: [{ name: 'Chat', value: 'chat' }],
        default: 'chat',
      },
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        options: [
          {
            name: 'Message a Model',
            value: 'message',
            action: 'Message a model',
            description: 'Send a prompt or a conversation to a model and get its answer',
          },
        ],
        default: 'message',
      },
      modelProperty,
      {
        displayName: 'Prompt',
        name: 'prompt',
        type: 'string',
        typeOptions: { rows: 4 },
        default: '',
        placeholder: 'e.g. Summarize this ticket: {{ $json.text }}',
        description: 'Sent as one user message, unless Messages has entries: then Messages are sent instead',
      },
      {
        displayName: 'Messages',
        name: 'messages',
        type: 'fixedCollection',
        typeOptions: { multipleValues: true, sortable: true },
        placeholder: 'Add Message',
        default: {},
        description: 'A conversation of user, assistant and system messages, sent in order. When it has entries, the Prompt is not sent.',
        options: [
          {
            displayName: 'Message',
            name: 'values',
            values: [
              {
                displayName: 'Role',
                name: 'role',
                type: 'options',
                options: [
                  { name: 'User', value: 'user' },
                  { name: 'Assistant', value: 'assistant' },
                  { name: 'System', value: 'system' },
                ],
                default: 'user',
              },
              {
                displayName: 'Content',
                name: 'content',
                type: 'string',
                typeOptions: { rows: 2 },
                default: '',
              },
            ],
          },
        ],
      },
      {
        displayName: 'System Message',
        name: 'systemMessage',
        type: 'string',
        typeOptions: { rows: 2 },
        default: '',
        description: 'Instructions sent first, as a system message, before the Messages or the Prompt',
      },
      userIdProperty,
      {
        displayName: 'Simplify Output',
        name: 'simplify',
        type: 'boolean',
        default: true,
        description: 'Whether to return only text, model, usage (input_tokens, output_tokens) and cost_usd instead of the whole completion',
      },
      {
        displayName: 'Options',
        name: 'options',
        type: 'collection',
        placeholder: 'Add Option',
        default: {},
        options: [
          frequencyPenaltyOption,
          maxTokensOption,
          {
            displayName: 'Output Content as JSON',
            name: 'jsonOutput',
            type: 'boolean',
            default: false,
            description:
              'Whether to ask for a JSON object (response_format json_object) and return it parsed. Mention JSON in the prompt: providers require it.',
          },
          presencePenaltyOption,
          temperatureOption(1),
          topPOption,
        ],
      },
    ],
  }

  methods = { loadOptions: { getModels } }

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const items = this.getInputData()
    const returnData: INodeExecutionData[] = []
    for (let i = 0; i < items.length; i++) {
      try {
        returnData.push({ json: await messageModel(this, i), pairedItem: { item: i } })
      } catch (error) {
        if (this.continueOnFail()) {
          returnData.push({ json: { error: (error as Error).message }, pairedItem: { item: i } })
          continue
        }
        // Errors raised per item already are n8n node errors; both constructors hand such an error back unchanged.
        if (error instanceof NodeApiError) throw new NodeApiError(this.getNode(), error as unknown as JsonObject)
        throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i })
      }
    }
    return [returnData]
  }
}

/** One item: validate (user id first, so nothing is sent without one), call the proxy, shape the output. */
async function messageModel(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const node = ctx.getNode()
  const userId = requireUserId(node, ctx.getNodeParameter('userId', itemIndex, ''), itemIndex)
  const model = requireModel(node, ctx.getNodeParameter('model', itemIndex, ''), itemIndex)
  const messages = buildMessages(node, itemIndex, {
    prompt: ctx.getNodeParameter('prompt', itemIndex, '') as string,
    messages: (ctx.getNodeParameter('messages', itemIndex, {}) as { values?: ChatMessage[] }).values ?? [],
    systemMessage: ctx.getNodeParameter('systemMessage', itemIndex, '') as string,
  })
  const options = ctx.getNodeParameter('options', itemIndex, {}) as MessageOptions
  const credentials = await ctx.getCredentials<OpenStackCredentials>(CREDENTIAL_TYPE, itemIndex)

  let response: IN8nHttpFullResponse
  try {
    response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
      method: 'POST',
      url: `${trimBaseUrl(credentials.baseUrl)}/chat/completions`,
      headers: { Accept: 'application/json', ...userHeaders(userId) },
      body: { model, messages, user: userId, ...samplingFields(options) },
      json: true,
      // Errors are read here, to show the proxy's own message; the full response carries the cost header.
      ignoreHttpStatusErrors: true,
      returnFullResponse: true,
    })) as IN8nHttpFullResponse
  } catch (error) {
    // Only transport failures land here (refused connection, timeout, DNS).
    throw new NodeApiError(node, error as JsonObject, { itemIndex })
  }

  if (response.statusCode >= 400) {
    const error = errorFromOpenAIBody(response.body, response.statusCode)
    throw new NodeApiError(node, (asObject(response.body) ?? {}) as JsonObject, {
      message: error.message,
      // The error's type and code, e.g. "invalid_request_error (model_not_found)".
      description: [error.type, error.code && `(${error.code})`].filter(Boolean).join(' ') || undefined,
      httpCode: String(response.statusCode),
      itemIndex,
    })
  }
  if (!ctx.getNodeParameter('simplify', itemIndex, true)) return (asObject(response.body) ?? {}) as IDataObject
  return simplify(node, itemIndex, response, model, options.jsonOutput === true)
}
