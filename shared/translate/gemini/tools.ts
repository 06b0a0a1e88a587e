/** Chat Completions `tools` and `tool_choice` as Gemini `tools` and `toolConfig`. */
import type { JsonObject } from '../../types.ts'
import { asObject, str } from '../../json.ts'
import { UntranslatableRequest } from '../chat.ts'

/**
 * Function tools as one Gemini tool of function declarations. Parameters go in
 * `parametersJsonSchema`, which takes JSON Schema as OpenAI tools write it (`additionalProperties`,
 * `$ref`, …); the older `parameters` field takes only an OpenAPI subset and rejects those keywords.
 * `strict` has no Gemini equivalent and is not sent.
 */
export function toolsFromChat(tools: unknown): JsonObject[] | null {
  if (tools === undefined || tools === null) return null
  if (!Array.isArray(tools)) throw new UntranslatableRequest('`tools` must be an array.', 'tools')
  if (tools.length === 0) return null
  const declarations = tools.map((raw, i): JsonObject => {
    const tool = asObject(raw)
    const fn = asObject(tool?.function)
    const name = str(fn?.name)
    if (tool?.type !== 'function' || !fn || !name) {
      throw new UntranslatableRequest('Gemini models take function tools only: `{type: "function", function: {name, …}}`.', `tools[${i}]`)
    }
    const declaration: JsonObject = { name }
    if (typeof fn.description === 'string') declaration.description = fn.description
    if (fn.parameters !== undefined && fn.parameters !== null) {
      if (!asObject(fn.parameters)) throw new UntranslatableRequest('Function parameters must be a JSON Schema object.', `tools[${i}].function.parameters`)
      declaration.parametersJsonSchema = fn.parameters as JsonObject
    }
    return declaration
  })
  return [{ functionDeclarations: declarations }]
}

/** `tool_choice` as `toolConfig.functionCallingConfig`: auto AUTO, none NONE, required ANY, a named function ANY restricted to it. */
export function toolConfigFromChat(toolChoice: unknown): JsonObject | null {
  if (toolChoice === undefined || toolChoice === null) return null
  const config = (mode: string, names?: string[]): JsonObject => ({
    functionCallingConfig: names ? { mode, allowedFunctionNames: names } : { mode },
  })
  if (toolChoice === 'auto') return config('AUTO')
  if (toolChoice === 'none') return config('NONE')
  if (toolChoice === 'required') return config('ANY')
  const choice = asObject(toolChoice)
  const name = str(asObject(choice?.function)?.name)
  if (choice?.type === 'function' && name) return config('ANY', [name])
  throw new UntranslatableRequest(
    "tool_choice must be 'auto', 'none', 'required' or {type: 'function', function: {name}} for Gemini models.",
    'tool_choice',
  )
}
