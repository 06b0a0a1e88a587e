import type {
  ICredentialDataDecryptedObject,
  ICredentialTestRequest,
  ICredentialType,
  IHttpRequestOptions,
  INodeProperties,
  Icon,
} from 'n8n-workflow'

export class OpenStackApi implements ICredentialType {
  name = 'openStackApi'

  displayName = 'OpenStack API'

  icon: Icon = { light: 'file:../icons/openstack.svg', dark: 'file:../icons/openstack.dark.svg' }

  documentationUrl = 'https://github.com/openstack-ai-proxy/openstack-ai-proxy/tree/main/connectors/n8n#credentials'

  properties: INodeProperties[] = [
    {
      displayName: 'Base URL',
      name: 'baseUrl',
      type: 'string',
      default: '',
      required: true,
      placeholder: 'https://proxy.example.com/v1',
      description: 'The OpenStack proxy URL including /v1, as for an OpenAI base URL',
    },
    {
      displayName: 'API Key',
      name: 'apiKey',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      required: true,
      description: 'A client API key of your paywall on the proxy',
    },
  ]

  async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
    requestOptions.headers = { ...requestOptions.headers, Authorization: `Bearer ${String(credentials.apiKey)}` }
    return requestOptions
  }

  // The proxy's GET /models needs the client key, so a 2xx proves both the URL and the key.
  test: ICredentialTestRequest = {
    request: {
      baseURL: '={{$credentials.baseUrl}}',
      url: '/models',
      headers: { Accept: 'application/json' },
    },
  }
}
