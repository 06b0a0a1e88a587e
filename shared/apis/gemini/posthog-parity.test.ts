/**
 * What the proxy records for a native Gemini call, next to what `@posthog/ai`'s own Gemini wrapper
 * sends for the same call: same shapes, apart from the deviations chosen on purpose (asserted below).
 */
import { describe, expect, it } from 'vitest'
import type { GoogleGenAI } from '@google/genai'
import type { PostHog } from 'posthog-node'
import { WrappedModels } from '@posthog/ai/gemini'
import { redactBase64 } from '../../event/redact.ts'
import type { JsonObject } from '../../types.ts'
import { completionFromGenerateContentJson } from './completion.ts'
import { summarizeGenerateContentRequest } from './request.ts'

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

const tools = [
  {
    functionDeclarations: [
      { name: 'get_weather', description: 'Current weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } },
    ],
  },
]
const contents = [
  { role: 'user', parts: [{ text: 'What is in this picture?' }, { inlineData: { mimeType: 'image/png', data: PNG } }] },
  { role: 'model', parts: [{ text: 'A single pixel.' }] },
  { role: 'user', parts: [{ text: 'And the weather in Paris?' }] },
]
const response = {
  candidates: [{ content: { parts: [{ text: 'Let me check. ' }, { text: 'One moment.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 300, candidatesTokenCount: 8, thoughtsTokenCount: 40, totalTokenCount: 348 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'parityResponse01',
}

/** The properties @posthog/ai's wrapper captures for one generateContent call answered with `response`. */
async function posthogProperties(): Promise<Record<string, unknown>> {
  let properties: Record<string, unknown> = {}
  const gemini = { models: { generateContent: async () => response } } as unknown as GoogleGenAI
  const posthog = { capture: (event: { properties: Record<string, unknown> }) => (properties = event.properties) } as unknown as PostHog
  await new WrappedModels(gemini, posthog).generateContent({
    model: 'gemini-2.5-flash',
    contents,
    config: { systemInstruction: 'You are a weather bot.', tools },
  })
  return properties
}

describe('parity with @posthog/ai for native Gemini', () => {
  it('records the same input, output, tools and stop reason', async () => {
    const theirs = await posthogProperties()
    // The proxy sees the body the SDK sends, as parsed JSON.
    const body: JsonObject = JSON.parse(JSON.stringify({ contents, systemInstruction: { parts: [{ text: 'You are a weather bot.' }] }, tools }))
    const summary = summarizeGenerateContentRequest(body)
    const completion = completionFromGenerateContentJson(response)

    // Deviation: the model's turns are shown as `assistant`, the role PostHog documents.
    const theirInput = (theirs.$ai_input as { role: string }[]).map((m) => (m.role === 'model' ? { ...m, role: 'assistant' } : m))
    expect(redactBase64(summary.input)).toEqual(theirInput)
    expect(JSON.stringify(redactBase64(summary.input))).not.toContain(PNG)
    expect(summary.tools).toEqual(theirs.$ai_tools)
    expect(completion.stopReason).toBe(theirs.$ai_stop_reason)
    // Deviation: the candidate's text parts are joined into one, as for OpenAI output.
    const theirText = (theirs.$ai_output_choices as { content: { text: string }[] }[])[0]?.content.map((p) => p.text).join('')
    expect(completion.choices).toEqual([{ role: 'assistant', content: [{ type: 'text', text: theirText }] }])
  })

  it('reports thoughts as reasoning beside the output tokens, as @posthog/ai does', async () => {
    const theirs = await posthogProperties()
    const usage = completionFromGenerateContentJson(response).usage
    expect(usage?.inputTokens).toBe(theirs.$ai_input_tokens)
    expect(usage?.reasoningTokens).toBe(theirs.$ai_reasoning_tokens)
    expect(usage?.outputTokens).toBe(theirs.$ai_output_tokens)
  })
})
