/**
 * Proves the fake Gemini upstream speaks the real v1beta format, by driving it with the official
 * `@google/genai` SDK (no proxy involved).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ApiError, GoogleGenAI } from '@google/genai'
import {
  FAKE_GEMINI_FUNCTION_CALL,
  FAKE_GEMINI_MODELS,
  FAKE_GEMINI_TEXT,
  FAKE_GEMINI_TEXT_PIECES,
  FAKE_GEMINI_THOUGHT,
  FAKE_GEMINI_THOUGHT_SIGNATURE,
  FAKE_GEMINI_TRUNCATED_TEXT,
  FAKE_GEMINI_USAGE,
  startFakeGemini,
  type FakeGemini,
} from './gemini-upstream.ts'

let fake: FakeGemini
let ai: GoogleGenAI

beforeAll(async () => {
  fake = await startFakeGemini()
  ai = new GoogleGenAI({ apiKey: fake.apiKey, httpOptions: { baseUrl: fake.url } })
})
afterAll(async () => {
  await fake?.close()
})
beforeEach(() => {
  fake.reset()
})

const model = 'gemini-2.5-flash'

/** Expects the SDK call to fail with an ApiError of this status whose message contains `text`. */
async function expectApiError(call: Promise<unknown>, status: number, text: string) {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ApiError)
  expect((error as ApiError).status).toBe(status)
  expect((error as ApiError).message).toContain(text)
}

describe('fake Gemini upstream', () => {
  it('listens on 127.0.0.1 with a versionless base URL', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers generateContent in the documented format', async () => {
    const res = await ai.models.generateContent({ model, contents: 'Hi', config: { temperature: 0.5 } })
    expect(res.text).toBe(FAKE_GEMINI_TEXT)
    expect(res.modelVersion).toBe(model)
    expect(res.responseId).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(res.candidates?.[0]?.finishReason).toBe('STOP')
    expect(res.candidates?.[0]?.content?.role).toBe('model')
    expect(res.usageMetadata).toEqual(FAKE_GEMINI_USAGE.default)

    const rec = fake.requests[0]!
    expect(rec).toMatchObject({
      method: 'POST',
      path: `/v1beta/models/${model}:generateContent`,
      model,
      action: 'generateContent',
      scenario: 'default',
      keySource: 'header',
      status: 200,
    })
    expect(rec.headers['x-goog-api-key']).toBe(fake.apiKey)
    expect(rec.query).toEqual({})
    expect(rec.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], generationConfig: { temperature: 0.5 } })
  })

  it('streams chunks one by one, the last with the finish reason and full usage', async () => {
    const stream = await ai.models.generateContentStream({ model, contents: 'Hi' })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.map((c) => c.text)).toEqual(FAKE_GEMINI_TEXT_PIECES)
    expect(chunks.slice(0, -1).every((c) => c.candidates?.[0]?.finishReason === undefined)).toBe(true)
    expect(chunks.slice(0, -1).every((c) => c.usageMetadata?.candidatesTokenCount === undefined)).toBe(true)
    const last = chunks[chunks.length - 1]!
    expect(last.candidates?.[0]?.finishReason).toBe('STOP')
    expect(last.usageMetadata).toEqual(FAKE_GEMINI_USAGE.default)
    expect(new Set(chunks.map((c) => c.responseId)).size).toBe(1)

    const rec = fake.requests[0]!
    expect(rec.path).toBe(`/v1beta/models/${model}:streamGenerateContent`)
    expect(rec.query).toEqual({ alt: 'sse' })
    expect(rec.chunks).toHaveLength(FAKE_GEMINI_TEXT_PIECES.length)
    // Each chunk was written (and flushed) after the previous one.
    expect(rec.chunkWrites.every((t, i) => i === 0 || t > rec.chunkWrites[i - 1]!)).toBe(true)
  })

  it('answers scenario:function-call with a function call part', async () => {
    const res = await ai.models.generateContent({ model, contents: 'scenario:function-call What is the weather in Paris?' })
    expect(res.functionCalls).toEqual([FAKE_GEMINI_FUNCTION_CALL])
    expect(res.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature).toBe(FAKE_GEMINI_THOUGHT_SIGNATURE)
    expect(res.usageMetadata).toEqual(FAKE_GEMINI_USAGE['function-call'])
  })

  it('answers scenario:thinking with thought tokens, and thoughts when asked', async () => {
    const plain = await ai.models.generateContent({ model, contents: 'scenario:thinking' })
    expect(plain.text).toBe(FAKE_GEMINI_TEXT)
    expect(plain.usageMetadata?.thoughtsTokenCount).toBe(120)

    const stream = await ai.models.generateContentStream({
      model,
      contents: 'scenario:thinking',
      config: { thinkingConfig: { includeThoughts: true } },
    })
    const parts = []
    for await (const chunk of stream) parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []))
    expect(parts[0]).toEqual({ text: FAKE_GEMINI_THOUGHT, thought: true })
    expect(parts.slice(1).map((p) => p.text).join('')).toBe(FAKE_GEMINI_TEXT)
  })

  it('answers scenario:cached with cached prompt tokens', async () => {
    const res = await ai.models.generateContent({ model, contents: 'scenario:cached' })
    expect(res.usageMetadata?.cachedContentTokenCount).toBe(800)
    expect(res.usageMetadata?.promptTokenCount).toBe(1000)
  })

  it('answers scenario:max-tokens with a cut answer', async () => {
    const res = await ai.models.generateContent({ model, contents: 'scenario:max-tokens' })
    expect(res.text).toBe(FAKE_GEMINI_TRUNCATED_TEXT)
    expect(res.candidates?.[0]?.finishReason).toBe('MAX_TOKENS')
  })

  it('answers scenario:safety with no content', async () => {
    const stream = await ai.models.generateContentStream({ model, contents: 'scenario:safety' })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks).toHaveLength(1)
    expect(chunks[0]?.text).toBeUndefined()
    expect(chunks[0]?.candidates?.[0]?.finishReason).toBe('SAFETY')
  })

  it('reads the scenario from the last user turn of a conversation', async () => {
    const res = await ai.models.generateContent({
      model,
      contents: [
        { role: 'user', parts: [{ text: 'scenario:error-500' }] },
        { role: 'model', parts: [{ text: 'Sorry.' }] },
        { role: 'user', parts: [{ text: 'scenario:max-tokens' }] },
      ],
    })
    expect(res.candidates?.[0]?.finishReason).toBe('MAX_TOKENS')
  })

  it('fails the error scenarios in Gemini format', async () => {
    await expectApiError(ai.models.generateContent({ model, contents: 'scenario:error-400' }), 400, 'INVALID_ARGUMENT')
    await expectApiError(ai.models.generateContent({ model, contents: 'scenario:error-429' }), 429, 'You exceeded your current quota')
    await expectApiError(ai.models.generateContentStream({ model, contents: 'scenario:error-500' }), 500, 'An internal error has occurred')
    expect(fake.requests.map((r) => r.status)).toEqual([400, 429, 500])
  })

  it('rejects a wrong key with 400 API_KEY_INVALID and a missing one with 403', async () => {
    const wrong = new GoogleGenAI({ apiKey: 'not-the-key', httpOptions: { baseUrl: fake.url } })
    await expectApiError(wrong.models.generateContent({ model, contents: 'Hi' }), 400, 'API_KEY_INVALID')

    const res = await fetch(`${fake.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'Hi' }] }] }),
    })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } })
    expect(fake.requests.map((r) => r.keySource)).toEqual(['header', null])
  })

  it('accepts the key in the query and records that it came from the URL', async () => {
    const res = await fetch(`${fake.url}/v1beta/models/${model}:streamGenerateContent?key=${fake.apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'Hi' }] }] }),
    })
    // Without alt=sse the stream comes back as one JSON array of chunks.
    const chunks = (await res.json()) as { candidates: { content: { parts: { text: string }[] } }[] }[]
    expect(chunks.map((c) => c.candidates[0]?.content.parts[0]?.text).join('')).toBe(FAKE_GEMINI_TEXT)
    expect(fake.requests[0]).toMatchObject({ keySource: 'query', query: { key: fake.apiKey } })
  })

  it('lists models in the Gemini list format', async () => {
    const pager = await ai.models.list()
    const names = []
    for await (const m of pager) names.push(m.name)
    expect(names).toEqual(FAKE_GEMINI_MODELS.map((m) => m.name))
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v1beta/models', keySource: 'header' })
  })

  it('answers unknown routes with NOT_FOUND', async () => {
    const res = await fetch(`${fake.url}/v1beta/models/${model}:countTokens`, {
      method: 'POST',
      headers: { 'x-goog-api-key': fake.apiKey },
      body: '{}',
    })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } })
  })
})
