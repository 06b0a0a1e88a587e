import type { StreamAccumulator } from '../apis/types.ts'
import type { CompletionResult, OutputChoice, OutputPart } from '../types.ts'
import { usageFromOpenAI } from '../usage/openai.ts'
import { asIndex, asObject, type Obj, str } from '../json.ts'


/** Text of `content`: a string, or an array of parts of which the text parts are kept. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let text = ''
  for (const part of content) {
    const p = asObject(part)
    if (p?.type === 'text' && typeof p.text === 'string') text += p.text
  }
  return text
}

interface ToolCall {
  id: string
  name: string
  args: string[]
}

function toParts(text: string, refusal: string, tools: Iterable<[number, ToolCall]>): OutputPart[] {
  const parts: OutputPart[] = []
  if (text) parts.push({ type: 'text', text })
  if (refusal) parts.push({ type: 'text', text: refusal })
  for (const [, call] of [...tools].sort((a, b) => a[0] - b[0])) {
    parts.push({ type: 'function', id: call.id, function: { name: call.name, arguments: call.args.join('') } })
  }
  return parts
}

function byIndex<T>(entries: Iterable<[number, T]>): T[] {
  return [...entries].sort((a, b) => a[0] - b[0]).map(([, value]) => value)
}

/** Reads a non-streamed Chat Completions response body. */
export function completionFromChatJson(body: unknown): CompletionResult {
  const b = asObject(body)
  const choices: [number, { choice: OutputChoice; finish: string | null }][] = []
  const rawChoices = Array.isArray(b?.choices) ? b.choices : []
  rawChoices.forEach((raw, position) => {
    const c = asObject(raw)
    if (!c) return
    const message = asObject(c.message)
    const tools: [number, ToolCall][] = []
    if (Array.isArray(message?.tool_calls)) {
      message.tool_calls.forEach((rawCall, i) => {
        const call = asObject(rawCall)
        const fn = asObject(call?.function)
        if (!fn) return
        // Arguments stay as the upstream's string; a host that sends an object gets it serialised once.
        const args = typeof fn.arguments === 'string' ? fn.arguments : fn.arguments == null ? '' : JSON.stringify(fn.arguments)
        tools.push([i, { id: str(call?.id) ?? '', name: str(fn.name) ?? '', args: [args] }])
      })
    }
    const content = toParts(contentText(message?.content), str(message?.refusal) ?? '', tools)
    choices.push([asIndex(c.index) ?? position, { choice: { role: 'assistant', content }, finish: str(c.finish_reason) }])
  })
  const ordered = byIndex(choices)
  return {
    id: str(b?.id),
    model: str(b?.model),
    choices: ordered.map((c) => c.choice),
    stopReason: ordered[0]?.finish ?? null,
    usage: usageFromOpenAI(b?.usage),
  }
}

interface ChoiceState {
  text: string[]
  refusal: string[]
  tools: Map<number, ToolCall>
  finish: string | null
}

/**
 * Merges the parsed `data:` objects of a streamed Chat Completion. Each `add` only appends; strings are
 * joined once in `result()`, which also works on a stream that was cut mid-way.
 */
export class ChatStreamAccumulator implements StreamAccumulator {
  private id: string | null = null
  private model: string | null = null
  private readonly choices = new Map<number, ChoiceState>()
  private usage: Obj | null = null

  /** Adds one parsed `data:` object; true when it carried output (text, refusal or a tool call). */
  add(chunk: unknown): boolean {
    const c = asObject(chunk)
    if (!c) return false
    this.id ??= str(c.id)
    this.model ??= str(c.model)
    // Groq used to send stream usage only under `x_groq`.
    const usage = asObject(c.usage) ?? asObject(asObject(c.x_groq)?.usage)
    if (usage) this.usage = usage
    if (!Array.isArray(c.choices)) return false
    let output = false
    c.choices.forEach((raw, position) => {
      const choice = asObject(raw)
      if (choice && this.addChoice(choice, position)) output = true
    })
    return output
  }

  private addChoice(choice: Obj, position: number): boolean {
    const index = asIndex(choice.index) ?? position
    let state = this.choices.get(index)
    if (!state) {
      state = { text: [], refusal: [], tools: new Map(), finish: null }
      this.choices.set(index, state)
    }
    const finish = str(choice.finish_reason)
    if (finish) state.finish = finish
    const delta = asObject(choice.delta)
    if (!delta) return false
    const text = contentText(delta.content)
    if (text) state.text.push(text)
    const refusal = typeof delta.refusal === 'string' ? delta.refusal : ''
    if (refusal) state.refusal.push(refusal)
    if (!Array.isArray(delta.tool_calls) || delta.tool_calls.length === 0) return text !== '' || refusal !== ''
    delta.tool_calls.forEach((rawCall, i) => {
      const call = asObject(rawCall)
      if (!call) return
      const key = asIndex(call.index) ?? i
      const fn = asObject(call.function)
      let tool = state.tools.get(key)
      if (!tool) {
        tool = { id: '', name: '', args: [] }
        state.tools.set(key, tool)
      }
      // id and name arrive in the first delta; some hosts repeat them, so the first one is kept.
      if (!tool.id) tool.id = str(call.id) ?? ''
      if (!tool.name) tool.name = str(fn?.name) ?? ''
      if (typeof fn?.arguments === 'string') tool.args.push(fn.arguments)
    })
    return true
  }

  result(): CompletionResult {
    const ordered = byIndex(this.choices.entries())
    return {
      id: this.id,
      model: this.model,
      choices: ordered.map((s) => ({
        role: 'assistant',
        content: toParts(s.text.join(''), s.refusal.join(''), s.tools.entries()),
      })),
      stopReason: ordered[0]?.finish ?? null,
      usage: usageFromOpenAI(this.usage),
    }
  }
}
