/** Chat Completions `tools`, `tool_choice` and `parallel_tool_calls` as Anthropic's `tools` and `tool_choice`. */
import { jsonObject } from '../../json.ts'
import type { Json, JsonObject } from '../../types.ts'
import { UntranslatableRequest } from '../chat.ts'

/** Function tools as Anthropic custom tools; null when the request has none. */
export function toolsFromChat(tools: Json | undefined): JsonObject[] | null {
  if (tools === undefined || tools === null) return null
  if (!Array.isArray(tools)) throw new UntranslatableRequest('tools must be an array.', 'tools')
  return tools.map((raw, i) => {
    const tool = jsonObject(raw)
    if (tool?.type !== 'function') {
      throw new UntranslatableRequest(
        `Tool type ${JSON.stringify(tool?.type ?? null)} is not supported for Anthropic models; only function tools are.`,
        `tools[${i}].type`,
      )
    }
    const fn = jsonObject(tool.function)
    if (typeof fn?.name !== 'string' || fn.name === '') {
      throw new UntranslatableRequest('A function tool needs a name.', `tools[${i}].function.name`)
    }
    const out: JsonObject = { name: fn.name }
    if (typeof fn.description === 'string') out.description = fn.description
    // OpenAI lets a function without arguments omit its schema; Anthropic requires an object schema.
    out.input_schema = jsonObject(fn.parameters) ?? { type: 'object', properties: {} }
    if (typeof fn.strict === 'boolean') out.strict = fn.strict
    return out
  })
}

function choiceFromChat(choice: Json): JsonObject {
  if (choice === 'auto') return { type: 'auto' }
  if (choice === 'none') return { type: 'none' }
  if (choice === 'required') return { type: 'any' }
  const named = jsonObject(choice)
  const name = jsonObject(named?.function)?.name
  if (named?.type === 'function' && typeof name === 'string' && name !== '') return { type: 'tool', name }
  throw new UntranslatableRequest(
    "tool_choice must be 'auto', 'none', 'required' or {type:'function', function:{name}} for Anthropic models.",
    'tool_choice',
  )
}

/**
 * Anthropic's `tool_choice`, or null to leave Anthropic's default (auto). `parallel_tool_calls: false`
 * becomes `disable_parallel_tool_use`, which Anthropic sets on the tool choice.
 */
export function toolChoiceFromChat(choice: Json | undefined, parallelToolCalls: Json | undefined, hasTools: boolean): JsonObject | null {
  const out = choice === undefined || choice === null ? null : choiceFromChat(choice)
  if (parallelToolCalls === false && hasTools && out?.type !== 'none') {
    return { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true }
  }
  return out
}
