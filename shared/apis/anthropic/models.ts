import { asObject, str } from '../../json.ts'
import type { ListedModel } from '../openai/models.ts'

/** Anthropic's `GET /v1/models`: `{ data: [{ type: 'model', id, created_at }] }`; null when it is not that. */
export function modelsFromAnthropicList(body: unknown): ListedModel[] | null {
  const data = asObject(body)?.data
  if (!Array.isArray(data)) return null
  return data.flatMap((raw) => {
    const model = asObject(raw)
    const id = str(model?.id)
    if (!id) return []
    const created = Date.parse(str(model?.created_at) ?? '')
    return [{ id, created: Number.isNaN(created) ? 0 : Math.floor(created / 1000) }]
  })
}
