import { describe, expect, it } from 'vitest'
import { OpenStackApi } from '../../../connectors/n8n/credentials/OpenStackApi.credentials.ts'

describe('OpenStack API credential', () => {
  const credential = new OpenStackApi()

  it('is openStackApi with a base URL and a password-typed API key', () => {
    expect(credential).toMatchObject({ name: 'openStackApi', displayName: 'OpenStack API' })
    expect(credential.properties.map((p) => [p.name, p.required, p.typeOptions?.password ?? false])).toEqual([
      ['baseUrl', true, false],
      ['apiKey', true, true],
    ])
  })

  it('adds the Bearer key and keeps the headers already set', async () => {
    const options = await credential.authenticate(
      { baseUrl: 'http://127.0.0.1:8080/v1', apiKey: 'sk-openstack-test' },
      { url: 'http://127.0.0.1:8080/v1/models', headers: { 'X-Openstack-User': 'user-42' } },
    )
    expect(options.headers).toEqual({ 'X-Openstack-User': 'user-42', Authorization: 'Bearer sk-openstack-test' })
  })

  it('tests the credential with GET {baseUrl}/models asking for JSON', () => {
    expect(credential.test).toEqual({
      request: { baseURL: '={{$credentials.baseUrl}}', url: '/models', headers: { Accept: 'application/json' } },
    })
  })
})
