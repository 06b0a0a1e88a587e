/** The proxy's models (`GET {base}/models`): the connection test and the Model dropdown. */
import type { Bundle, ZObject } from 'zapier-platform-core'
import { modelsFromOpenAIList } from '../../../shared/apis/openai/models.ts'
import { proxyBaseUrl } from './connection.ts'
import { callProxy, jsonBody } from './request.ts'

export interface ModelChoice {
  id: string
  name: string
}

/** Model ids the proxy accepts, unique and sorted, as dropdown choices (the id is also the label). */
export async function listModels(z: ZObject, bundle: Bundle): Promise<ModelChoice[]> {
  const response = await callProxy(z, { url: `${proxyBaseUrl(z, bundle)}/models`, method: 'GET', headers: { Accept: 'application/json' } })
  const models = modelsFromOpenAIList(jsonBody(response))
  if (!models) {
    throw new z.errors.Error(
      "The Base URL answered GET /models without an OpenAI model list ({ data: [...] }): check that it is the proxy's URL including /v1.",
      'not_a_model_list',
    )
  }
  return [...new Set(models.map((model) => model.id))].sort((a, b) => a.localeCompare(b)).map((id) => ({ id, name: id }))
}
