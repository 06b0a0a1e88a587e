import { supplyModel } from '@n8n/ai-node-sdk'
import type { INodeType, INodeTypeDescription, ISupplyDataFunctions, SupplyData } from 'n8n-workflow'
import { NodeConnectionTypes } from 'n8n-workflow'
import type { SamplingOptions } from '../../../../shared/connectors/chat.ts'
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

/** The shared sampling options (JSON output aside: the AI Agent asks for formats itself), plus the client's own. */
interface ModelOptions extends Omit<SamplingOptions, 'jsonOutput'> {
  timeout?: number
  maxRetries?: number
}

export class LmChatOpenStack implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'OpenStack Chat Model',
    name: 'lmChatOpenStack',
    icon: { light: 'file:../../icons/openstack.svg', dark: 'file:../../icons/openstack.dark.svg' },
    group: ['transform'],
    version: [1],
    subtitle: '={{ $parameter["model"] }}',
    description: 'Chat model for the AI Agent and chains, through the OpenStack AI proxy, attributed to your end user in PostHog',
    defaults: { name: 'OpenStack Chat Model' },
    inputs: [],
    outputs: [NodeConnectionTypes.AiLanguageModel],
    outputNames: ['Model'],
    credentials: [{ name: CREDENTIAL_TYPE, required: true }],
    properties: [
      {
        displayName: 'This node must be connected to an AI Agent or a chain, such as the Basic LLM Chain',
        name: 'notice',
        type: 'notice',
        default: '',
      },
      modelProperty,
      userIdProperty,
      {
        displayName: 'Options',
        name: 'options',
        type: 'collection',
        placeholder: 'Add Option',
        default: {},
        options: [
          frequencyPenaltyOption,
          {
            displayName: 'Max Retries',
            name: 'maxRetries',
            type: 'number',
            default: 2,
            typeOptions: { minValue: 0 },
            description: 'How many times a failed call is retried',
          },
          maxTokensOption,
          presencePenaltyOption,
          temperatureOption(0.7),
          {
            displayName: 'Timeout',
            name: 'timeout',
            type: 'number',
            default: 60000,
            typeOptions: { minValue: 1 },
            description: 'Milliseconds to wait for an answer',
          },
          topPOption,
        ],
      },
    ],
  }

  methods = { loadOptions: { getModels } }

  async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
    const node = this.getNode()
    const userId = requireUserId(node, this.getNodeParameter('userId', itemIndex, ''), itemIndex)
    const model = requireModel(node, this.getNodeParameter('model', itemIndex, ''), itemIndex)
    const options = this.getNodeParameter('options', itemIndex, {}) as ModelOptions
    const credentials = await this.getCredentials<OpenStackCredentials>(CREDENTIAL_TYPE)

    return supplyModel(this, {
      type: 'openai',
      baseUrl: trimBaseUrl(credentials.baseUrl),
      apiKey: credentials.apiKey,
      model,
      // The SDK's own `user` option is not forwarded to the client: the body field goes through additionalParams.
      defaultHeaders: userHeaders(userId),
      additionalParams: { user: userId },
      ...options,
    })
  }
}
