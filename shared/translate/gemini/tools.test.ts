import { describe, expect, it } from 'vitest'
import { UntranslatableRequest } from '../chat.ts'
import { toolConfigFromChat, toolsFromChat } from './tools.ts'

describe('toolsFromChat', () => {
  it('declares OpenAI function tools with their JSON Schema unchanged', () => {
    // The OpenAI function-calling guide's strict tool: its schema uses additionalProperties.
    const parameters = {
      type: 'object',
      properties: {
        location: { type: 'string', description: 'City and country e.g. Bogotá, Colombia' },
        units: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit'] },
      },
      required: ['location', 'units'],
      additionalProperties: false,
    }
    expect(
      toolsFromChat([
        { type: 'function', function: { name: 'get_weather', description: 'Retrieves current weather for the given location.', parameters, strict: true } },
        { type: 'function', function: { name: 'get_time' } },
      ]),
    ).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Retrieves current weather for the given location.', parametersJsonSchema: parameters },
          { name: 'get_time' },
        ],
      },
    ])
  })

  it('sends no tools for none or an empty list', () => {
    expect(toolsFromChat(undefined)).toBeNull()
    expect(toolsFromChat([])).toBeNull()
  })

  it('refuses tools that are not functions', () => {
    expect(() => toolsFromChat([{ type: 'custom', custom: { name: 'code_exec' } }])).toThrow(UntranslatableRequest)
    expect(() => toolsFromChat([{ type: 'function', function: { name: 'f', parameters: 'none' } }])).toThrow(/JSON Schema object/)
  })
})

describe('toolConfigFromChat', () => {
  it('maps each tool_choice to a function calling mode', () => {
    expect(toolConfigFromChat('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } })
    expect(toolConfigFromChat('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } })
    expect(toolConfigFromChat('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } })
    expect(toolConfigFromChat({ type: 'function', function: { name: 'get_weather' } })).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    })
    expect(toolConfigFromChat(undefined)).toBeNull()
  })

  it('refuses choices it cannot express', () => {
    expect(() => toolConfigFromChat({ type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } })).toThrow(/tool_choice/)
  })
})
