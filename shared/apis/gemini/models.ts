import { asObject, str } from '../../json.ts'
import type { ListedModel } from '../openai/models.ts'

/**
 * Gemini's `GET /v1beta/models`: `{ models: [{ name: 'models/…', supportedGenerationMethods }] }`, kept to
 * the models that answer generateContent (the only Gemini method the proxy relays); null when it is not that.
 */
export function modelsFromGeminiList(body: unknown): ListedModel[] | null {
  const models = asObject(body)?.models
  if (!Array.isArray(models)) return null
  return models.flatMap((raw) => {
    const model = asObject(raw)
    const name = str(model?.name)
    const methods = model?.supportedGenerationMethods
    if (!name || !Array.isArray(methods) || !methods.includes('generateContent')) return []
    // Gemini lists no creation date.
    return [{ id: name.replace(/^models\//, ''), created: 0 }]
  })
}
