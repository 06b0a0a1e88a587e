/**
 * Whole-event parity with `@posthog/ai` 8.13.1, the promise of SPEC §4: for the same request and the same
 * documented upstream answer, the `$ai_generation` event the proxy builds looks like the one PostHog's own
 * wrapper sends. Each case drives the real wrapper (its SDK's fetch stubbed, see ./harness.ts), builds ours
 * with the core functions the proxy's route uses, and compares:
 *   (a) property names: a property only one side sends must be in DIFFERENCES;
 *   (b) `$ai_input`, `$ai_output_choices`, (c) token counts, (d) model, provider, stop reason, tools, status,
 *       base URL, trace id, `$ai_model_parameters`, `$ai_stream`: every property both send is deep-equal,
 *       unless DIFFERENCES maps @posthog/ai's value to the one we send on purpose.
 * DIFFERENCES is the whole list of intended differences, one test each (its name is the entry), and an entry
 * no case needs any more fails, so the list cannot go stale.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { PostHogAnthropic } from '@posthog/ai/anthropic'
import { PostHogGoogleGenAI } from '@posthog/ai/gemini'
import { PostHogOpenAI } from '@posthog/ai/openai'
import type { GenerateContentParameters } from '@google/genai'
import type { PostHog } from 'posthog-node'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages'
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions'
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses'
import { VERSION } from '../../server/version.ts'
import type { PostHogEvent } from '../../shared/event/types.ts'
import type { JsonObject } from '../../shared/types.ts'
import {
  ANTHROPIC_BASE_URL, type Api, buildOurs, type CapturedEvent, captureTheirs, DISTINCT_ID, GEMINI_BASE_URL,
  mapObjects, OPENAI_BASE_URL, type SdkFetch, type TheirSide, TRACE_ID, type Upstream, type WrappedCall,
} from './harness.ts'

// ---------------------------------------------------------------------------------------------------------
// Requests and documented upstream answers
// ---------------------------------------------------------------------------------------------------------

/** A 1×1 PNG, sent inline: both sides must redact it. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
/** A short 8 kHz WAV, sent inline to Gemini. */
const WAV =
  'UklGRpwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YXgAAABETFNbYmpxeYCHj5aepa20RExTW2JqcXmAh4+WnqWttERMU1tianF5gIePlp6lrbRETFNbYmpxeYCHj5aepa20RExTW2JqcXmAh4+WnqWttERMU1tianF5gIePlp6lrbRETFNbYmpxeYCHj5aepa20RExTW2JqcXk='

const WEATHER_SCHEMA = {
  type: 'object',
  properties: {
    location: { type: 'string', description: 'City and country, e.g. Paris, France' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
  },
  required: ['location', 'unit'],
  additionalProperties: false,
}

// OpenAI Chat Completions: API reference "Create chat completion" (image input, function calling) and the
// "Streaming" guide (chunks, tool-call deltas, the usage chunk of stream_options.include_usage).
const chatRequest: ChatCompletionCreateParamsNonStreaming = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful travel assistant.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Where was this photo taken? And what is the weather like there right now?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'low' } },
      ],
    },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', description: 'Get the current weather in a city', parameters: WEATHER_SCHEMA, strict: true } }],
  tool_choice: 'auto',
  temperature: 0.2,
  max_completion_tokens: 512,
  seed: 7,
}

const chatAnswer = {
  id: 'chatcmpl-BjR6kQnHYB6B6M8nJ7ZpX8r7kD3Qa',
  object: 'chat.completion',
  created: 1750000000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_Vm9yZ2VyVG9vbENhbGwx', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' } },
        ],
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 1290,
    completion_tokens: 23,
    total_tokens: 1313,
    prompt_tokens_details: { cached_tokens: 1152, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_560af6e559',
}

// OpenAI "Structured Outputs" guide, "Refusals": the model declines, in `refusal` instead of `content`.
const refusalRequest: ChatCompletionCreateParamsNonStreaming = {
  model: 'gpt-4o-2024-08-06',
  messages: [
    { role: 'system', content: 'Extract the event information.' },
    { role: 'user', content: "How do I get into my neighbour's flat without a key while they are away?" },
  ],
  response_format: {
    type: 'json_schema',
    json_schema: {
      name: 'calendar_event',
      strict: true,
      schema: {
        type: 'object',
        properties: { name: { type: 'string' }, date: { type: 'string' }, participants: { type: 'array', items: { type: 'string' } } },
        required: ['name', 'date', 'participants'],
        additionalProperties: false,
      },
    },
  },
}

const REFUSAL = "I'm sorry, I cannot assist with that request."
const refusalAnswer = {
  id: 'chatcmpl-9nYAG9LPNonX8DAyrkwYfemr3C8HC',
  object: 'chat.completion',
  created: 1721596428,
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: REFUSAL, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: {
    prompt_tokens: 81,
    completion_tokens: 11,
    total_tokens: 92,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  system_fingerprint: 'fp_3407719c7f',
}

const chunk = (fields: JsonObject) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-BjR7qZsv2q0xNw8yT5mHc3LrS1pQe', object: 'chat.completion.chunk', created: 1750000060, model: 'gpt-4o-mini-2024-07-18', service_tier: 'default', system_fingerprint: 'fp_560af6e559', ...fields })}\n\n`
const delta = (d: JsonObject, finish: string | null = null) => chunk({ choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }], usage: null })
const toolDelta = (call: JsonObject) => delta({ tool_calls: [call] })

const chatStream = [
  delta({ role: 'assistant', content: '', refusal: null }),
  delta({ content: 'Let me check' }),
  delta({ content: ' both cities.' }),
  toolDelta({ index: 0, id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', type: 'function', function: { name: 'get_weather', arguments: '' } }),
  toolDelta({ index: 0, function: { arguments: '{"location":' } }),
  toolDelta({ index: 0, function: { arguments: ' "Paris, France", "unit": "celsius"}' } }),
  toolDelta({ index: 1, id: 'call_ABPLkqQ0zWnL3Q1H5y2aXc9M', type: 'function', function: { name: 'get_weather', arguments: '' } }),
  toolDelta({ index: 1, function: { arguments: '{"location": "Bogotá, Colombia",' } }),
  toolDelta({ index: 1, function: { arguments: ' "unit": "celsius"}' } }),
  delta({}, 'tool_calls'),
  chunk({
    choices: [],
    usage: {
      prompt_tokens: 1290,
      completion_tokens: 61,
      total_tokens: 1351,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
  }),
  'data: [DONE]\n\n',
].join('')

// OpenAI Responses: API reference "Create a model response" (function calling with a reasoning model) and
// the "Streaming responses" guide (typed events, response.completed carrying the whole response).
const RESPONSES_TOOLS = [{ type: 'function' as const, name: 'get_weather', description: 'Get the current weather in a city', parameters: WEATHER_SCHEMA, strict: true }]

const responsesRequest: ResponseCreateParamsNonStreaming = {
  model: 'o4-mini',
  instructions: 'You are a weather assistant. Call get_weather once for every city the user asks about.',
  input: [
    {
      role: 'user',
      content: [
        { type: 'input_text', text: 'Compare the weather in Lyon with the weather in the city on this photo.' },
        { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' },
      ],
    },
  ],
  tools: RESPONSES_TOOLS,
  reasoning: { effort: 'low', summary: 'auto' },
  max_output_tokens: 2048,
  store: false,
}

const responseBase = {
  object: 'response',
  background: false,
  error: null,
  incomplete_details: null,
  parallel_tool_calls: true,
  previous_response_id: null,
  service_tier: 'default',
  store: false,
  text: { format: { type: 'text' }, verbosity: 'medium' },
  tool_choice: 'auto',
  tools: RESPONSES_TOOLS,
  top_p: 1.0,
  truncation: 'disabled',
  user: null,
  metadata: {},
}

const responsesAnswer = {
  ...responseBase,
  id: 'resp_68a3c0f5e1d08190a1b2c3d4e5f60718',
  created_at: 1755496693,
  status: 'completed',
  instructions: responsesRequest.instructions ?? null,
  max_output_tokens: 2048,
  model: 'o4-mini-2025-04-16',
  reasoning: { effort: 'low', summary: 'auto' },
  temperature: 1.0,
  output: [
    {
      id: 'rs_68a3c0f6a9b48190bb1e2f3a4b5c6d7e',
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: '**Checking both cities**\n\nThe photo shows the Eiffel Tower, so Paris; I will look up Paris and Lyon.' }],
    },
    {
      id: 'fc_68a3c0f7c1e08190a0b1c2d3e4f50617',
      type: 'function_call',
      status: 'completed',
      arguments: '{"location":"Paris, France","unit":"celsius"}',
      call_id: 'call_2mRkqW8a0H4cN1pL6sT9vX3y',
      name: 'get_weather',
    },
    {
      id: 'fc_68a3c0f7c1e08190a0b1c2d3e4f50618',
      type: 'function_call',
      status: 'completed',
      arguments: '{"location":"Lyon, France","unit":"celsius"}',
      call_id: 'call_7nQeR2b5D8fG1hJ4kL6mP9sT',
      name: 'get_weather',
    },
  ],
  usage: {
    input_tokens: 1452,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 210,
    output_tokens_details: { reasoning_tokens: 128 },
    total_tokens: 1662,
  },
}

const responsesStreamRequest = {
  model: 'gpt-4.1-mini',
  instructions: 'You are a weather assistant.',
  input: [
    { role: 'user' as const, content: 'What is the weather in Paris?' },
    { type: 'function_call' as const, call_id: 'call_2mRkqW8a0H4cN1pL6sT9vX3y', name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' },
    { type: 'function_call_output' as const, call_id: 'call_2mRkqW8a0H4cN1pL6sT9vX3y', output: '{"temperature":15,"conditions":"light rain"}' },
  ],
  tools: RESPONSES_TOOLS,
  temperature: 0.5,
  stream: true as const,
}

const STREAMED_TEXT = 'It is 15 °C with light rain in Paris.'
const streamedMessage = {
  id: 'msg_68a3c1a2b3c48190d5e6f7a8b9c0d1e2',
  type: 'message',
  status: 'completed',
  content: [{ type: 'output_text', annotations: [], logprobs: [], text: STREAMED_TEXT }],
  role: 'assistant',
}
const streamedResponse = (status: string, output: JsonObject[], usage: JsonObject | null) => ({
  ...responseBase,
  id: 'resp_68a3c1a1f2e08190c4d5e6f7a8b9c0d1',
  created_at: 1755496801,
  status,
  instructions: responsesStreamRequest.instructions,
  max_output_tokens: null,
  model: 'gpt-4.1-mini-2025-04-14',
  reasoning: { effort: null, summary: null },
  temperature: 0.5,
  output,
  usage,
})
const responsesCompleted = streamedResponse('completed', [streamedMessage], {
  input_tokens: 1310,
  input_tokens_details: { cached_tokens: 1152 },
  output_tokens: 14,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 1324,
})
const textPart = (text: string) => ({ type: 'output_text', annotations: [], logprobs: [], text })
const typed = (type: string, sequence: number, fields: object) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence, ...fields })}\n\n`
const inMessage = { item_id: streamedMessage.id, output_index: 0, content_index: 0 }

const responsesStream = [
  typed('response.created', 0, { response: streamedResponse('in_progress', [], null) }),
  typed('response.in_progress', 1, { response: streamedResponse('in_progress', [], null) }),
  typed('response.output_item.added', 2, { output_index: 0, item: { ...streamedMessage, status: 'in_progress', content: [] } }),
  typed('response.content_part.added', 3, { ...inMessage, part: textPart('') }),
  typed('response.output_text.delta', 4, { ...inMessage, delta: 'It is 15 °C', logprobs: [] }),
  typed('response.output_text.delta', 5, { ...inMessage, delta: ' with light rain', logprobs: [] }),
  typed('response.output_text.delta', 6, { ...inMessage, delta: ' in Paris.', logprobs: [] }),
  typed('response.output_text.done', 7, { ...inMessage, text: STREAMED_TEXT, logprobs: [] }),
  typed('response.content_part.done', 8, { ...inMessage, part: textPart(STREAMED_TEXT) }),
  typed('response.output_item.done', 9, { output_index: 0, item: streamedMessage }),
  typed('response.completed', 10, { response: responsesCompleted }),
].join('')

// Anthropic Messages: API reference "Messages" (vision, tool use, prompt caching usage) and the
// "Streaming Messages" guide (the tool-use stream, input_json_delta).
const anthropicRequest: MessageCreateParamsNonStreaming = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  temperature: 0.2,
  top_k: 40,
  system: [{ type: 'text', text: 'You are a meteorologist. Answer in one short paragraph.', cache_control: { type: 'ephemeral' } }],
  tools: [
    {
      name: 'get_weather',
      description: 'Get the current weather in a given location',
      input_schema: {
        type: 'object',
        properties: { location: { type: 'string', description: 'The city and country, e.g. Paris, France' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['location'],
      },
    },
  ],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        { type: 'text', text: 'What is the weather where this photo was taken?' },
      ],
    },
  ],
}

const anthropicAnswer = {
  id: 'msg_01Aq9w938a90dw8q',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [
    { type: 'text', text: "That looks like the Eiffel Tower, so I'll check the weather in Paris." },
    { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'Paris, France', unit: 'celsius' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: {
    input_tokens: 412,
    cache_creation_input_tokens: 2048,
    cache_read_input_tokens: 1800,
    cache_creation: { ephemeral_5m_input_tokens: 2048, ephemeral_1h_input_tokens: 0 },
    output_tokens: 89,
    service_tier: 'standard',
  },
}

const named = (event: string, data: JsonObject) => `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`
const anthropicStream = [
  named('message_start', {
    message: {
      id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: 412,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 3848,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
        output_tokens: 2,
        service_tier: 'standard',
      },
    },
  }),
  named('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  named('ping', {}),
  named('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'That looks like the Eiffel Tower,' } }),
  named('content_block_delta', { index: 0, delta: { type: 'text_delta', text: " so I'll check the weather in Paris." } }),
  named('content_block_stop', { index: 0 }),
  named('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: {} } }),
  named('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
  named('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"location": "Par' } }),
  named('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: 'is, France", "unit": "celsius"}' } }),
  named('content_block_stop', { index: 1 }),
  named('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } }),
  named('message_stop', {}),
].join('')

// Gemini generateContent: API reference "Generating content" (inline audio, function calling, thinking with
// includeThoughts, thought signatures) and streamGenerateContent?alt=sse (each event a whole response).
const GEMINI_TOOLS = [
  {
    functionDeclarations: [
      {
        name: 'get_weather',
        description: 'Current weather for a city',
        parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
      },
    ],
  },
]
const geminiConfig = {
  systemInstruction: 'You are a weather assistant. Use get_weather for current conditions.',
  tools: GEMINI_TOOLS,
  temperature: 0.3,
  maxOutputTokens: 1024,
  thinkingConfig: { includeThoughts: true, thinkingBudget: 512 },
}
const geminiRequest: GenerateContentParameters = {
  model: 'gemini-2.5-flash',
  contents: [
    { role: 'user', parts: [{ text: 'Which city does this voice note name, and what is the weather there?' }, { inlineData: { mimeType: 'audio/wav', data: WAV } }] },
  ],
  config: geminiConfig,
}
/** Thought summaries (parts with `thought: true`, sent because of includeThoughts). */
const GEMINI_THOUGHT = '**Identifying the city**\n\nThe voice note names Paris, so I should call get_weather for Paris.'
const GEMINI_STREAMED_THOUGHT = '**Checking Lyon**\n\nParis is known; Lyon still needs a call.'
const geminiAnswer = {
  candidates: [
    {
      content: {
        parts: [
          { text: GEMINI_THOUGHT, thought: true },
          { functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } }, thoughtSignature: 'CiQBVKhc7xk2Rj9cP0zv3m1Qz7xK' },
        ],
        role: 'model',
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 231,
    candidatesTokenCount: 22,
    totalTokenCount: 389,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 131 }, { modality: 'AUDIO', tokenCount: 100 }],
    thoughtsTokenCount: 136,
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'Hn2oaPvWJ4-Kz7IP0Mm7uQI',
}

const geminiStreamRequest: GenerateContentParameters = {
  model: 'gemini-2.5-flash',
  contents: [
    { role: 'user', parts: [{ text: 'What is the weather in Paris and in Lyon?' }] },
    { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } }, thoughtSignature: 'CiQBVKhc7xk2Rj9cP0zv3m1Qz7xK' }] },
    { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 15, conditions: 'light rain' } } }] },
  ],
  config: geminiConfig,
}
const geminiChunk = (parts: JsonObject[], usage: JsonObject, finishReason?: string) =>
  `data: ${JSON.stringify({
    candidates: [{ content: { parts, role: 'model' }, ...(finishReason ? { finishReason } : {}), index: 0 }],
    usageMetadata: usage,
    modelVersion: 'gemini-2.5-flash',
    responseId: 'x4KoaM2aD7mXz7IPuv2fqQo',
  })}\r\n\r\n`
const geminiStream = [
  geminiChunk([{ text: GEMINI_STREAMED_THOUGHT, thought: true }], { promptTokenCount: 187, totalTokenCount: 251, thoughtsTokenCount: 64 }),
  geminiChunk([{ text: 'Paris: 15 °C with light rain.' }], { promptTokenCount: 187, candidatesTokenCount: 9, totalTokenCount: 260, thoughtsTokenCount: 64 }),
  geminiChunk([{ text: ' Now checking Lyon.' }], { promptTokenCount: 187, candidatesTokenCount: 14, totalTokenCount: 265, thoughtsTokenCount: 64 }),
  geminiChunk(
    [{ functionCall: { name: 'get_weather', args: { city: 'Lyon', unit: 'celsius' } }, thoughtSignature: 'CiQBVKhc7zQ1mN2bV3cX4zL5kJ6h' }],
    { promptTokenCount: 187, candidatesTokenCount: 31, totalTokenCount: 282, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 187 }], thoughtsTokenCount: 64 },
    'STOP',
  ),
].join('')

// ---------------------------------------------------------------------------------------------------------
// Driving @posthog/ai
// ---------------------------------------------------------------------------------------------------------

const ids = { posthogDistinctId: DISTINCT_ID, posthogTraceId: TRACE_ID }

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // the caller reads the whole stream
  }
}

function openAIClient(fetch: SdkFetch, posthog: PostHog) {
  return new PostHogOpenAI({ apiKey: 'sk-parity', baseURL: OPENAI_BASE_URL, maxRetries: 0, fetch, posthog })
}

function anthropicClient(fetch: SdkFetch, posthog: PostHog) {
  return new PostHogAnthropic({ apiKey: 'sk-ant-parity', baseURL: ANTHROPIC_BASE_URL, maxRetries: 0, fetch, posthog })
}

/** @google/genai has no fetch option: the global one is stubbed for the call. */
async function withGemini(fetch: SdkFetch, posthog: PostHog, call: (client: PostHogGoogleGenAI) => Promise<void>) {
  vi.stubGlobal('fetch', fetch)
  // The SDK's `text` getter warns about function-call parts; expected here.
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  try {
    await call(new PostHogGoogleGenAI({ apiKey: 'gemini-parity', httpOptions: { baseUrl: GEMINI_BASE_URL }, posthog }))
  } finally {
    warn.mockRestore()
    vi.unstubAllGlobals()
  }
}

interface CaseSpec {
  name: string
  api: Api
  stream: boolean
  upstream: Upstream
  /** The model the upstream reports serving. */
  servedModel: string
  call: WrappedCall
  /** The same request, not streamed, answered with the stream's final response (see the Responses entry). */
  unstreamed?: { upstream: Upstream; call: WrappedCall }
}

const CASES: CaseSpec[] = [
  {
    name: 'OpenAI Chat, tool call',
    api: 'openai-chat',
    stream: false,
    upstream: { kind: 'json', body: chatAnswer },
    servedModel: chatAnswer.model,
    call: async (fetch, posthog) => {
      await openAIClient(fetch, posthog).chat.completions.create({ ...chatRequest, ...ids })
    },
  },
  {
    name: 'OpenAI Chat, refusal to a structured-output request',
    api: 'openai-chat',
    stream: false,
    upstream: { kind: 'json', body: refusalAnswer },
    servedModel: refusalAnswer.model,
    call: async (fetch, posthog) => {
      await openAIClient(fetch, posthog).chat.completions.create({ ...refusalRequest, ...ids })
    },
  },
  {
    name: 'OpenAI Chat streamed, text and two tool calls',
    api: 'openai-chat',
    stream: true,
    upstream: { kind: 'sse', text: chatStream },
    servedModel: 'gpt-4o-mini-2024-07-18',
    call: async (fetch, posthog) => {
      const stream = await openAIClient(fetch, posthog).chat.completions.create({
        ...chatRequest,
        stream: true,
        stream_options: { include_usage: true },
        ...ids,
      })
      await drain(stream)
    },
  },
  {
    name: 'OpenAI Responses, reasoning and two function calls',
    api: 'openai-responses',
    stream: false,
    upstream: { kind: 'json', body: responsesAnswer },
    servedModel: responsesAnswer.model,
    call: async (fetch, posthog) => {
      await openAIClient(fetch, posthog).responses.create({ ...responsesRequest, ...ids })
    },
  },
  {
    name: 'OpenAI Responses streamed, text after a function call',
    api: 'openai-responses',
    stream: true,
    upstream: { kind: 'sse', text: responsesStream },
    servedModel: responsesCompleted.model,
    call: async (fetch, posthog) => {
      await drain(await openAIClient(fetch, posthog).responses.create({ ...responsesStreamRequest, ...ids }))
    },
    unstreamed: {
      upstream: { kind: 'json', body: responsesCompleted },
      call: async (fetch, posthog) => {
        await openAIClient(fetch, posthog).responses.create({ ...responsesStreamRequest, stream: false, ...ids })
      },
    },
  },
  {
    name: 'Anthropic Messages, text and tool_use, cache read and write',
    api: 'anthropic-messages',
    stream: false,
    upstream: { kind: 'json', body: anthropicAnswer },
    servedModel: anthropicAnswer.model,
    call: async (fetch, posthog) => {
      await anthropicClient(fetch, posthog).messages.create({ ...anthropicRequest, ...ids })
    },
  },
  {
    name: 'Anthropic Messages streamed, text and tool_use, cache read',
    api: 'anthropic-messages',
    stream: true,
    upstream: { kind: 'sse', text: anthropicStream },
    servedModel: 'claude-sonnet-4-5-20250929',
    call: async (fetch, posthog) => {
      await drain(await anthropicClient(fetch, posthog).messages.create({ ...anthropicRequest, stream: true, ...ids }))
    },
  },
  {
    name: 'Gemini generateContent, thought summary and functionCall',
    api: 'gemini-generate-content',
    stream: false,
    upstream: { kind: 'json', body: geminiAnswer },
    servedModel: geminiAnswer.modelVersion,
    call: (fetch, posthog) =>
      withGemini(fetch, posthog, async (client) => {
        await client.models.generateContent({ ...geminiRequest, ...ids })
      }),
  },
  {
    name: 'Gemini streamGenerateContent, thoughts, text and functionCall after a function turn',
    api: 'gemini-generate-content',
    stream: true,
    upstream: { kind: 'sse', text: geminiStream },
    servedModel: 'gemini-2.5-flash',
    call: (fetch, posthog) =>
      withGemini(fetch, posthog, async (client) => {
        await drain(client.models.generateContentStream({ ...geminiStreamRequest, ...ids }))
      }),
  },
]

// ---------------------------------------------------------------------------------------------------------
// The intended differences
// ---------------------------------------------------------------------------------------------------------

type Props = Record<string, unknown>

interface CaseRun {
  spec: CaseSpec
  theirs: TheirSide
  ours: PostHogEvent
  /** @posthog/ai's event for `spec.unstreamed`. */
  theirsUnstreamed: CapturedEvent | null
}

/**
 * One intended difference. Without a mapping, only one side sends `property` (in at least one case of
 * `api`). With one, both send it and the values differ as the mapping says: @posthog/ai's value mapped by
 * `theirs` must deep-equal ours mapped by `ours`; a mapping that changes nothing in any case is stale.
 */
interface Difference {
  /** `all`: needed by at least one case of every API. */
  api: Api | 'all'
  property: string
  why: string
  theirs?: (value: unknown, run: CaseRun) => unknown
  ours?: (value: unknown, run: CaseRun) => unknown
}

const objects = (value: unknown): Props[] =>
  Array.isArray(value) ? value.filter((v): v is Props => typeof v === 'object' && v !== null && !Array.isArray(v)) : []
const pick = (source: JsonObject, keys: string[]): Props =>
  Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]))
const without = (value: unknown, key: string): Props =>
  Object.fromEntries(Object.entries(value as Props).filter(([k]) => k !== key))

/** Tool-call arguments as the JSON string the provider's call carries, where @posthog/ai keeps an object. */
const argumentsAsString = (choices: unknown) =>
  mapObjects(choices, (o) => {
    const fn = o.function as Props | undefined
    if (o.type !== 'function' || !fn || typeof fn.arguments === 'string') return o
    return { ...o, function: { ...fn, arguments: JSON.stringify(fn.arguments) } }
  })

const THOUGHTS = new Set([GEMINI_THOUGHT, GEMINI_STREAMED_THOUGHT])

const DIFFERENCES: Difference[] = [
  // ---- Properties only we send --------------------------------------------------------------------------
  { api: 'all', property: '$ai_is_error', why: 'we always say whether the call failed (false here); @posthog/ai sends it only on errors' },
  { api: 'all', property: '$ai_stream', why: 'SPEC §4; @posthog/ai leaves it to ingestion, which copies $ai_model_parameters.stream (asserted to agree)' },
  { api: 'all', property: '$ai_temperature', why: 'SPEC §4, from the request; @posthog/ai leaves it to ingestion (from $ai_model_parameters)' },
  { api: 'all', property: '$ai_max_tokens', why: 'SPEC §4, from max_tokens / max_completion_tokens / max_output_tokens / maxOutputTokens; @posthog/ai leaves it to ingestion' },
  { api: 'all', property: '$ai_request_url', why: 'documented (PostHog "Generations" table) and in SPEC §4; @posthog/ai never sends it' },
  { api: 'all', property: '$ai_input_cost_usd', why: 'we price the call (SPEC §5, per-paywall prices); @posthog/ai sends costs only with costOverride' },
  { api: 'all', property: '$ai_output_cost_usd', why: 'as $ai_input_cost_usd' },
  { api: 'all', property: '$ai_total_cost_usd', why: 'as $ai_input_cost_usd' },
  { api: 'all', property: '$ai_cost_passthrough', why: 'keeps PostHog from recomputing our cost from its own table (reference/posthog.md §3)' },
  { api: 'all', property: 'openstack_paywall_id', why: 'ours: the paywall (tenant) that relayed the call' },
  { api: 'all', property: 'openstack_project_id', why: 'ours: the configured PostHog project id' },
  { api: 'all', property: 'openstack_request_id', why: 'ours: the X-Openstack-Request-Id of the relayed call' },
  { api: 'anthropic-messages', property: '$ai_completion_id', why: 'the message id (msg_…), documented; @posthog/ai sets it for OpenAI only' },
  { api: 'gemini-generate-content', property: '$ai_completion_id', why: 'the responseId, documented; @posthog/ai sets it for OpenAI only' },
  {
    api: 'anthropic-messages',
    property: '$ai_cache_reporting_exclusive',
    why: 'true, declared (SPEC §4); @posthog/ai declares nothing and ingestion assumes true for Anthropic: same meaning',
  },
  {
    api: 'gemini-generate-content',
    property: '$ai_cache_reporting_exclusive',
    why: 'false, always declared (SPEC §4); @posthog/ai declares it only when cachedContentTokenCount > 0: same meaning',
  },
  { api: 'openai-chat', property: '$ai_reasoning_tokens', why: 'a count the provider reports as 0 is sent as 0; @posthog/ai drops falsy counts' },
  { api: 'openai-chat', property: '$ai_cache_read_input_tokens', why: 'a reported 0 is sent as 0 (as $ai_reasoning_tokens)' },
  { api: 'openai-responses', property: '$ai_reasoning_tokens', why: 'a reported 0 is sent as 0 (as for openai-chat)' },
  { api: 'openai-responses', property: '$ai_cache_read_input_tokens', why: 'a reported 0 is sent as 0 (as for openai-chat)' },
  { api: 'anthropic-messages', property: '$ai_cache_creation_input_tokens', why: 'a reported 0 is sent as 0 (as for openai-chat)' },

  // ---- Properties only @posthog/ai sends ------------------------------------------------------------------
  { api: 'all', property: '$ai_usage', why: 'the raw usage blob, which ingestion only mines (Gemini modalities, gateway cost) and deletes; we send the counts and our own cost' },
  { api: 'all', property: '$ai_tokens_source', why: '"sdk"/"passthrough" tells whether posthogProperties overrode the counts; the proxy has no such override' },
  {
    api: 'openai-chat',
    property: '$ai_provider_metadata',
    why: 'system_fingerprint and the upstream x-request-id: not in SPEC §4 (our request id is openstack_request_id)',
  },
  { api: 'openai-responses', property: '$ai_provider_metadata', why: 'as for openai-chat (x-request-id, incomplete_details)' },
  {
    api: 'openai-chat',
    property: '$ai_service_tier',
    why: 'the tier the response reports, which PostHog uses to price flex calls; not in SPEC §4 and our cost is passed through (reported: our cost ignores the tier)',
  },
  { api: 'openai-responses', property: '$ai_service_tier', why: 'as for openai-chat' },

  // ---- Values both send, different on purpose --------------------------------------------------------------
  { api: 'all', property: '$ai_lib', why: 'SPEC §4: "openstack", not "posthog-ai"', theirs: () => 'openstack' },
  { api: 'all', property: '$ai_lib_version', why: 'our package version, not @posthog/ai\'s', theirs: () => VERSION },
  ...(['openai-chat', 'openai-responses', 'anthropic-messages'] as const).map(
    (api): Difference => ({
      api,
      property: '$ai_model',
      why: 'SPEC §4: the model the upstream reports serving (gpt-4o-mini-2024-07-18), where @posthog/ai sends the requested alias (the same for Gemini here)',
      theirs: (_value, run) => run.spec.servedModel,
    }),
  ),
  {
    api: 'gemini-generate-content',
    property: '$ai_base_url',
    why: '@posthog/ai is wrong: it hard-codes https://generativelanguage.googleapis.com even for a client pointed elsewhere; we send the base URL called',
    theirs: () => GEMINI_BASE_URL,
  },
  {
    api: 'openai-chat',
    property: '$ai_model_parameters',
    why: 'we also keep seed, tool_choice, reasoning_effort, parallel_tool_calls; service_tier only as requested, where @posthog/ai writes the tier the response reports',
    theirs: (value, run) => ({
      ...without(value, 'service_tier'),
      ...pick(run.theirs.body, ['seed', 'tool_choice', 'service_tier', 'reasoning_effort', 'parallel_tool_calls']),
    }),
  },
  {
    api: 'openai-responses',
    property: '$ai_model_parameters',
    why: 'we also keep the Responses settings @posthog/ai\'s Chat key list misses (max_output_tokens, reasoning, text, tool_choice, …); service_tier only as requested',
    theirs: (value, run) => ({
      ...without(value, 'service_tier'),
      ...pick(run.theirs.body, [
        'max_output_tokens', 'max_tool_calls', 'top_logprobs', 'reasoning', 'text', 'tool_choice', 'parallel_tool_calls', 'truncation',
        'service_tier', 'background',
      ]),
    }),
  },
  {
    api: 'anthropic-messages',
    property: '$ai_model_parameters',
    why: 'we also keep top_k, stop_sequences, tool_choice, thinking, output_config and service_tier, which shape the answer',
    theirs: (value, run) => ({
      ...(value as Props),
      ...pick(run.theirs.body, ['top_k', 'stop_sequences', 'tool_choice', 'thinking', 'output_config', 'service_tier']),
    }),
  },
  {
    api: 'gemini-generate-content',
    property: '$ai_model_parameters',
    why: '@posthog/ai is wrong: it reads temperature etc. from the top of the SDK call, but they live in config, so it always sends {}; we send the generationConfig',
    theirs: (value, run) => ({ ...(value as Props), ...(run.theirs.body.generationConfig as Props) }),
  },
  {
    api: 'openai-chat',
    property: '$ai_output_choices',
    why: 'a refusal is kept as a text part (it is what the user was shown); @posthog/ai drops message.refusal, and with no content sends no choice at all',
    theirs: (value, run) => {
      const answer = run.spec.upstream.kind === 'json' ? (run.spec.upstream.body as Props) : {}
      const refusals = objects(answer.choices).map((c) => (c.message as Props | undefined)?.refusal)
      if (objects(value).length > 0 || !refusals.some((r) => typeof r === 'string')) return value
      return refusals.map((text) => ({ role: 'assistant', content: typeof text === 'string' ? [{ type: 'text', text }] : [] }))
    },
  },
  {
    api: 'openai-responses',
    property: '$ai_output_choices',
    why: '@posthog/ai is wrong on streams: it sends the raw output items (no role/content, which PostHog\'s docs require), unlike its own non-streamed path, which we match',
    theirs: (value, run) => (run.spec.stream ? run.theirsUnstreamed?.properties.$ai_output_choices : value),
  },
  {
    api: 'anthropic-messages',
    property: '$ai_output_choices',
    why: 'tool_use input as the JSON string of the call, one shape for every API (OpenAI\'s); @posthog/ai keeps Anthropic\'s object',
    theirs: argumentsAsString,
  },
  {
    api: 'gemini-generate-content',
    property: '$ai_output_choices',
    why:
      'functionCall args as a JSON string; a candidate\'s text parts joined, before its calls; thought summaries ' +
      '(thought: true) left out, as the SDK\'s .text and @posthog/ai\'s own streamed path do (its non-streamed path shows them as answer text)',
    theirs: (value) =>
      objects(value).map((choice) => {
        const parts = objects(choice.content)
        const text = parts
          .filter((p) => p.type === 'text' && !THOUGHTS.has(String(p.text)))
          .map((p) => String(p.text))
          .join('')
        const calls = parts.filter((p) => p.type === 'function')
        return { ...choice, content: argumentsAsString([...(text ? [{ type: 'text', text }] : []), ...calls]) }
      }),
  },
  {
    api: 'gemini-generate-content',
    property: '$ai_input',
    why: 'roles as PostHog documents them: model → assistant',
    theirs: (value) => objects(value).map((m) => (m.role === 'model' ? { ...m, role: 'assistant' } : m)),
  },
  {
    api: 'gemini-generate-content',
    property: '$ai_input',
    why: 'functionCall and functionResponse parts kept (as function / function_response blocks) so tool turns stay readable; @posthog/ai drops them',
    ours: (value) =>
      objects(value).map((m) =>
        Array.isArray(m.content) ? { ...m, content: objects(m.content).filter((b) => b.type !== 'function' && b.type !== 'function_response') } : m,
      ),
  },
]

// ---------------------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------------------

/** Timings are measured on each side: only their presence and type are compared. */
const TIMINGS = new Set(['$ai_latency', '$ai_time_to_first_token'])
const CONTENT_PROPERTIES = ['$ai_input', '$ai_output_choices']
const TOKEN_PROPERTIES = [
  '$ai_input_tokens', '$ai_output_tokens', '$ai_reasoning_tokens', '$ai_cache_read_input_tokens',
  '$ai_cache_creation_input_tokens', '$ai_cache_reporting_exclusive',
]
/** Compared in every case: sent by both sides, and equal apart from listed differences. */
const CORE_PROPERTIES = ['$ai_model', '$ai_provider', '$ai_stop_reason', '$ai_tools', '$ai_http_status', '$ai_model_parameters', '$ai_base_url', '$ai_trace_id']

const API_NAMES: Api[] = [...new Set(CASES.map((c) => c.api))]

function entriesFor(api: Api, property: string): Difference[] {
  return DIFFERENCES.filter((d) => d.property === property && (d.api === api || d.api === 'all'))
}

/** Records which entries the cases needed, per API, so that a stale entry fails. */
type Usage = Map<Difference, Set<Api>>
function need(usage: Usage | null, entry: Difference, api: Api) {
  if (!usage) return
  const apis = usage.get(entry) ?? new Set<Api>()
  apis.add(api)
  usage.set(entry, apis)
}

/** (a) Names only one side sends that no entry lists. */
function unlistedNames(run: CaseRun, usage: Usage | null = null): string[] {
  const ours = run.ours.properties
  const theirs = run.theirs.event.properties
  const unlisted: string[] = []
  for (const name of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
    if (name in ours && name in theirs) continue
    const entries = entriesFor(run.spec.api, name).filter((d) => !d.theirs && !d.ours)
    if (entries.length === 0) unlisted.push(`${name} (sent by ${name in ours ? 'us' : '@posthog/ai'} only)`)
    for (const entry of entries) need(usage, entry, run.spec.api)
  }
  return unlisted
}

/** A property both send, each side's value after the listed mappings: they must be deep-equal. */
function compared(run: CaseRun, property: string, usage: Usage | null = null): { ours: unknown; theirs: unknown } {
  let theirs = run.theirs.event.properties[property]
  let ours = run.ours.properties[property]
  for (const entry of entriesFor(run.spec.api, property)) {
    const nextTheirs = entry.theirs ? entry.theirs(theirs, run) : theirs
    const nextOurs = entry.ours ? entry.ours(ours, run) : ours
    if (JSON.stringify(nextTheirs) !== JSON.stringify(theirs) || JSON.stringify(nextOurs) !== JSON.stringify(ours)) need(usage, entry, run.spec.api)
    theirs = nextTheirs
    ours = nextOurs
  }
  return { ours, theirs }
}

function sharedProperties(run: CaseRun): string[] {
  return Object.keys(run.theirs.event.properties).filter((name) => name in run.ours.properties)
}

const runs = new Map<string, CaseRun>()

describe('$ai_generation events match @posthog/ai 8.13.1 apart from the listed differences', () => {
  beforeAll(async () => {
    for (const spec of CASES) {
      const theirs = await captureTheirs(spec.upstream, spec.call)
      const theirsUnstreamed = spec.unstreamed ? (await captureTheirs(spec.unstreamed.upstream, spec.unstreamed.call)).event : null
      runs.set(spec.name, { spec, theirs, ours: buildOurs(spec.api, theirs, spec.upstream), theirsUnstreamed })
    }
  })
  afterAll(() => {
    vi.restoreAllMocks()
  })

  const runOf = (name: string): CaseRun => {
    const run = runs.get(name)
    if (!run) throw new Error(`case "${name}" did not run`)
    return run
  }

  describe.each(CASES.map((spec) => spec.name))('%s', (name) => {
    it('is an $ai_generation for the same user and trace', () => {
      const run = runOf(name)
      expect(run.ours.event).toBe('$ai_generation')
      expect(run.theirs.event.event).toBe('$ai_generation')
      expect(run.ours.distinctId).toBe(run.theirs.event.distinctId)
      expect(run.ours.properties.$ai_trace_id).toBe(run.theirs.event.properties.$ai_trace_id)
    })

    it('(a) has the same property names, apart from listed ones', () => {
      expect(unlistedNames(runOf(name))).toEqual([])
    })

    it('(b) has the same $ai_input and $ai_output_choices, apart from listed differences', () => {
      const run = runOf(name)
      for (const property of CONTENT_PROPERTIES) {
        const { ours, theirs } = compared(run, property)
        expect(ours, property).toEqual(theirs)
      }
      // Inline media redacted on both sides, its type named the same way (compared above), none of it sent.
      expect(JSON.stringify(run.ours.properties.$ai_input)).not.toMatch(/iVBORw0KGgo|UklGR/)
    })

    it('(c) has the same token counts, apart from listed differences', () => {
      const run = runOf(name)
      const ours = run.ours.properties
      const theirs = run.theirs.event.properties
      for (const property of TOKEN_PROPERTIES) {
        if (property in ours && property in theirs) {
          const values = compared(run, property)
          expect(values.ours, property).toEqual(values.theirs)
        } else if (property in theirs) {
          // A count only @posthog/ai sends would be one we lost.
          expect.fail(`${property} = ${String(theirs[property])} is sent by @posthog/ai only`)
        } else if (property in ours) {
          // Only ours: a reported zero or a declaration, listed in DIFFERENCES (checked by (a)).
          expect(ours[property] === 0 || typeof ours[property] === 'boolean', `${property} = ${String(ours[property])}`).toBe(true)
        }
      }
      expect(ours.$ai_input_tokens).toBeGreaterThan(0)
      expect(ours.$ai_output_tokens).toBeGreaterThan(0)
    })

    it('(d) has the same model, provider, stop reason, tools, status, parameters and other shared properties, apart from listed differences', () => {
      const run = runOf(name)
      const shared = sharedProperties(run)
      // $ai_tools only when the request has tools (the refusal case has none; (a) checks that neither sends it).
      const hasTools = Array.isArray(run.theirs.body.tools)
      expect(shared).toEqual(expect.arrayContaining(CORE_PROPERTIES.filter((p) => p !== '$ai_tools' || hasTools)))
      for (const property of shared) {
        if (CONTENT_PROPERTIES.includes(property) || TOKEN_PROPERTIES.includes(property)) continue
        if (TIMINGS.has(property)) {
          expect(typeof run.ours.properties[property], property).toBe('number')
          expect(typeof run.theirs.event.properties[property], property).toBe('number')
          continue
        }
        const { ours, theirs } = compared(run, property)
        expect(ours, property).toEqual(theirs)
      }
      // $ai_stream says what @posthog/ai's $ai_model_parameters.stream says (for Gemini it has none: see the entry).
      expect(run.ours.properties.$ai_stream).toBe(run.spec.stream)
      const theirParameters = run.theirs.event.properties.$ai_model_parameters as Props
      if (run.spec.api !== 'gemini-generate-content') expect(theirParameters.stream === true).toBe(run.spec.stream)
    })
  })

  describe('every listed difference is needed by a case', () => {
    it.each(DIFFERENCES.map((d) => [`${d.api} ${d.property}: ${d.why}`, d] as const))('%s', (_title, entry) => {
      const usage: Usage = new Map()
      for (const run of runs.values()) {
        unlistedNames(run, usage)
        for (const property of sharedProperties(run)) compared(run, property, usage)
      }
      const expected = entry.api === 'all' ? API_NAMES : [entry.api]
      expect([...(usage.get(entry) ?? [])].sort()).toEqual([...expected].sort())
    })
  })
})
