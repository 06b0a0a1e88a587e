import { describe, expect, it } from 'vitest'
import { UntranslatableRequest } from '../chat.ts'
import { toolChoiceFromChat, toolsFromChat } from './tools.ts'

const getWeather = {
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather in a given location',
    parameters: {
      type: 'object',
      properties: {
        location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['location'],
    },
  },
}

describe('toolsFromChat', () => {
  it('turns function tools into Anthropic tools with an input_schema', () => {
    expect(toolsFromChat([getWeather])).toEqual([
      {
        name: 'get_current_weather',
        description: 'Get the current weather in a given location',
        input_schema: getWeather.function.parameters,
      },
    ])
  })

  it('gives a function without parameters an empty object schema, and keeps strict', () => {
    expect(toolsFromChat([{ type: 'function', function: { name: 'get_time', strict: true } }])).toEqual([
      { name: 'get_time', input_schema: { type: 'object', properties: {} }, strict: true },
    ])
  })

  it('is null without tools', () => {
    expect(toolsFromChat(undefined)).toBeNull()
    expect(toolsFromChat(null)).toBeNull()
  })

  it('refuses non-function tools and nameless functions', () => {
    expect(() => toolsFromChat([getWeather, { type: 'custom', custom: { name: 'grammar' } }])).toThrow(
      expect.objectContaining({ param: 'tools[1].type' }),
    )
    expect(() => toolsFromChat([{ type: 'function', function: { description: 'x' } }])).toThrow(UntranslatableRequest)
  })
})

describe('toolChoiceFromChat', () => {
  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
  ])('maps %s', (choice, expected) => {
    expect(toolChoiceFromChat(choice, undefined, true)).toEqual(expected)
  })

  it('maps a named function to a named tool', () => {
    expect(toolChoiceFromChat({ type: 'function', function: { name: 'get_current_weather' } }, undefined, true)).toEqual({
      type: 'tool',
      name: 'get_current_weather',
    })
  })

  it('leaves the choice to Anthropic when none is given', () => {
    expect(toolChoiceFromChat(undefined, undefined, true)).toBeNull()
    expect(toolChoiceFromChat(null, true, true)).toBeNull()
  })

  it('turns parallel_tool_calls: false into disable_parallel_tool_use', () => {
    expect(toolChoiceFromChat(undefined, false, true)).toEqual({ type: 'auto', disable_parallel_tool_use: true })
    expect(toolChoiceFromChat('required', false, true)).toEqual({ type: 'any', disable_parallel_tool_use: true })
    // Nothing to restrict without tools, or when no tool may be called.
    expect(toolChoiceFromChat(undefined, false, false)).toBeNull()
    expect(toolChoiceFromChat('none', false, true)).toEqual({ type: 'none' })
  })

  it('refuses choices Anthropic cannot express', () => {
    expect(() => toolChoiceFromChat({ type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } }, undefined, true)).toThrow(
      expect.objectContaining({ param: 'tool_choice' }),
    )
  })
})
