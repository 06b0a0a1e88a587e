import { asObject, str } from '../../json.ts'

/** A model a provider lists: its id as the upstream names it, and when it was created (Unix seconds, 0 if unknown). */
export interface ListedModel {
  id: string
  created: number
}

/** `GET /v1/models` of an OpenAI-compatible host: `{ data: [{ id, created }] }`; null when it is not that. */
export function modelsFromOpenAIList(body: unknown): ListedModel[] | null {
  const data = asObject(body)?.data
  if (!Array.isArray(data)) return null
  return data.flatMap((raw) => {
    const model = asObject(raw)
    const id = str(model?.id)
    return id ? [{ id, created: typeof model?.created === 'number' ? model.created : 0 }] : []
  })
}
