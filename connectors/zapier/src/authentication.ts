/**
 * API-key connection (Zapier has no api-key type: `custom` with fields, a test and a label). The fields
 * are SPEC §8's `base_url`, `api_key` and `default_user_id`; `addBearerKey` sends the key.
 */
import type { Authentication, Bundle, ZObject } from 'zapier-platform-core'
import { proxyBaseUrl } from './connection.ts'
import { listModels } from './models.ts'

const README = 'https://github.com/openstack-ai-proxy/openstack-ai-proxy#zapier'

export default {
  type: 'custom',
  fields: [
    {
      key: 'base_url',
      label: 'Base URL',
      type: 'string',
      required: true,
      isNoSecret: true,
      placeholder: 'https://proxy.example.com/v1',
      helpText: "The proxy's URL including `/v1`, for example `https://proxy.example.com/v1`. Must use `https://` (plain `http://` only for `localhost` and `127.0.0.1`).",
    },
    {
      key: 'api_key',
      label: 'API Key',
      type: 'password',
      required: true,
      helpText: `A client key of your paywall on the proxy (one of its \`apiKeys\` in the proxy's config, or its \`OPENSTACK_API_KEY\`); the proxy's operator gives it out. [Where to find it](${README}).`,
    },
    {
      key: 'default_user_id',
      label: 'Default End User',
      type: 'string',
      required: false,
      isNoSecret: true,
      helpText:
        'Optional. The end-user id actions use when their End User field is empty, for Zaps that act for one person or team. Leave it empty to make End User required in every action.',
    },
  ],
  // Any authenticated call proves the key; listing the models is the cheapest.
  test: async (z: ZObject, bundle: Bundle) => ({ models: (await listModels(z, bundle)).length }),
  // The proxy's host: tells connections apart and holds no secret.
  connectionLabel: async (z: ZObject, bundle: Bundle) => new URL(proxyBaseUrl(z, bundle)).host,
} satisfies Authentication
