/**
 * The built app's definition: core's own schema validation (and that it catches a broken definition),
 * the publishing checks local validation misses (./checks.ts, and that they catch what they look for),
 * and the names SPEC §8 makes a public contract.
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import zapier, { type PlainInputField } from 'zapier-platform-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type App, type AppFunction, type AppTester, builtApp, connectorDir, loadApp } from './app.ts'
import { authHelpProblems, isTitleCase, labels, outputProblems, sampleProblems, titleCaseProblems } from './checks.ts'

/** Core's command handler (what `zapier-platform validate` runs locally); not in core's type definitions. */
const { createAppHandler } = zapier as unknown as {
  createAppHandler(app: object): (event: { command: 'validate' | 'definition' }) => Promise<{ results: unknown }>
}

async function schemaErrors(app: object): Promise<Array<{ property: string; message: string }>> {
  const { results } = await createAppHandler(app)({ command: 'validate' })
  return results as Array<{ property: string; message: string }>
}

let app: App
let appTester: AppTester
beforeAll(async () => {
  app = await loadApp()
  appTester = zapier.createAppTester(app)
})

/** The fields an action's input field functions give for these inputs and connection. */
async function expandedFields(fields: ReadonlyArray<PlainInputField | AppFunction>, inputData: Record<string, unknown>, authData: Record<string, string> = {}) {
  const expanded: PlainInputField[] = []
  for (const field of fields) {
    if (typeof field === 'function') expanded.push(...((await appTester(field, { inputData, authData })) as PlainInputField[]))
    else expanded.push(field)
  }
  return expanded
}

describe("core's schema validation", () => {
  it('finds no error in the app as built', async () => {
    expect(await schemaErrors(app)).toEqual([])
  })

  it('catches a broken definition: a key unlike its name, help text beside line items, an unknown field type', async () => {
    const prompt = app.creates.send_prompt
    const chat = app.creates.send_chat_messages
    const broken = {
      ...app,
      creates: {
        send_prompt: { ...prompt, key: 'send-prompt!' },
        send_chat_messages: {
          ...chat,
          operation: {
            ...chat.operation,
            inputFields: chat.operation.inputFields.map((field) =>
              typeof field !== 'function' && field.key === 'messages' ? { ...field, helpText: 'The conversation.' } : field,
            ),
          },
        },
      },
      triggers: {
        list_models: { ...app.triggers.list_models, operation: { ...app.triggers.list_models.operation, inputFields: [{ key: 'x', type: 'colour' }] } },
      },
    }
    const errors = await schemaErrors(broken)
    const text = errors.map((error) => `${error.property}: ${error.message}`).join('\n')
    expect(text).toMatch(/send_prompt\.key: must have a matching top-level key/)
    expect(text).toMatch(/send_chat_messages\.inputFields\[2\]: must not contain children and helpText/)
    expect(text).toMatch(/list_models\.operation\.inputFields\[0\]\.type: is not one of enum values/)
  })
})

describe('publishing checks local validation misses', () => {
  it('every visible action has a sample that matches its output fields (D012, D024)', () => {
    expect(sampleProblems({ ...app.creates, ...app.triggers })).toEqual([])
  })

  it('the sample check catches a missing sample, a wrong type, a null required field, an extra key', () => {
    const prompt = app.creates.send_prompt
    const withSample = (sample: Record<string, unknown> | undefined) => ({ send_prompt: { ...prompt, operation: { ...prompt.operation, sample } } })
    expect(sampleProblems(withSample(undefined))).toEqual(['send_prompt: no sample (D012)'])
    const sample = prompt.operation.sample
    expect(sampleProblems(withSample({ ...sample, cost_usd: '0.01' }))).toEqual(['send_prompt: sample cost_usd: "0.01" is not of type number (D024)'])
    expect(sampleProblems(withSample({ ...sample, input_tokens: 1.5 }))).toEqual(['send_prompt: sample input_tokens: 1.5 is not of type integer (D024)'])
    expect(sampleProblems(withSample({ ...sample, text: null }))).toEqual(['send_prompt: sample text: required but null (D024)'])
    expect(sampleProblems(withSample({ ...sample, usage: {} }))).toEqual(['send_prompt: sample usage: not in outputFields (D024)'])
  })

  it('every label is Title Case (D018), the fields shown by the field functions included', async () => {
    const expanded: Record<string, PlainInputField[]> = {}
    for (const [key, create] of Object.entries(app.creates)) {
      expanded[key] = await expandedFields(create.operation.inputFields, { show_advanced: true })
    }
    const found = labels(app, expanded)
    expect(found.map(({ label }) => label)).toEqual(expect.arrayContaining(['Show Advanced Options', 'Max Tokens', 'End User', 'Cost (USD)', 'Role']))
    expect(titleCaseProblems(found)).toEqual([])
  })

  it('the Title Case check catches a label that is not', () => {
    expect(['Send Prompt', 'Show Advanced Options', 'Cost (USD)', 'JSON Output', 'Send a Prompt to the Model'].map(isTitleCase)).toEqual([true, true, true, true, true])
    expect(['Send prompt', 'max Tokens', 'Send A Prompt'].map(isTitleCase)).toEqual([false, false, false])
    expect(titleCaseProblems([{ where: 'x', label: 'Default user id' }])).toEqual(['x: "Default user id" is not Title Case (D018)'])
  })

  it("the API Key's help text links to where the key is found (D002); the check catches one that does not", () => {
    const fields = app.authentication.fields
    expect(authHelpProblems(fields)).toEqual([])
    expect(fields.find((field) => field.key === 'api_key')?.helpText).toMatch(/\]\(https:\/\/github\.com\/[^)]+#zapier\)/)
    expect(authHelpProblems([{ key: 'api_key', type: 'password', helpText: 'Your key, from https://example.com' }])).toEqual([
      'authentication.api_key: help text has no Markdown link to where the key is found (D002)',
    ])
  })

  it('the connection label is the Base URL host and never the key (D003)', async () => {
    const authData = { base_url: 'https://proxy.example.com:8443/v1/', api_key: 'sk-label-secret-4242', default_user_id: 'ada@example.com' }
    const label = await appTester(app.authentication.connectionLabel, { authData })
    expect(label).toBe('proxy.example.com:8443')
    expect(String(label)).not.toContain('sk-label-secret')
  })
})

describe('the public names (SPEC §8)', () => {
  it('authentication: custom, fields base_url, api_key (a password), default_user_id (optional)', () => {
    expect(app.authentication.type).toBe('custom')
    expect(app.authentication.fields.map((field) => [field.key, field.type, field.required])).toEqual([
      ['base_url', 'string', true],
      ['api_key', 'password', true],
      ['default_user_id', 'string', false],
    ])
  })

  it('Send Prompt and Send Chat Messages take the documented inputs, Temperature and Max Tokens behind Show Advanced Options', async () => {
    const keys = async (fields: ReadonlyArray<PlainInputField | AppFunction>, inputData: Record<string, unknown>) =>
      (await expandedFields(fields, inputData)).map((field) => (field.children ? `${field.key}(${field.children.map((child) => child.key).join(',')})` : field.key))
    const prompt = app.creates.send_prompt.operation.inputFields
    const chat = app.creates.send_chat_messages.operation.inputFields
    const options = ['json_output', 'show_advanced']
    expect(await keys(prompt, {})).toEqual(['model', 'user_id', 'prompt', 'system_message', ...options])
    expect(await keys(prompt, { show_advanced: true })).toEqual(['model', 'user_id', 'prompt', 'system_message', ...options, 'temperature', 'max_tokens'])
    expect(await keys(chat, { show_advanced: 'true' })).toEqual(['model', 'user_id', 'messages(role,content)', ...options, 'temperature', 'max_tokens'])
    const advanced = (await expandedFields(prompt, { show_advanced: true })).filter((field) => ['temperature', 'max_tokens'].includes(field.key))
    expect(advanced.map((field) => field.type)).toEqual(['number', 'integer'])
    expect(prompt.find((field) => typeof field !== 'function' && field.key === 'show_advanced')).toMatchObject({ type: 'boolean', altersDynamicFields: true })
    expect(prompt.find((field) => typeof field !== 'function' && field.key === 'json_output')).toMatchObject({ type: 'boolean' })
  })

  it('End User is required exactly when the connection has no Default End User to fall back on', async () => {
    const userField = async (authData: Record<string, string>) =>
      (await expandedFields(app.creates.send_prompt.operation.inputFields, {}, authData)).find((field) => field.key === 'user_id')
    expect(await userField({})).toMatchObject({ required: true })
    expect(await userField({ default_user_id: '  ' })).toMatchObject({ required: true })
    expect(await userField({ default_user_id: 'team-a' })).toMatchObject({ required: false })
  })

  it('the Model dropdowns read the hidden list_models trigger by id and name', () => {
    for (const create of Object.values(app.creates)) {
      expect(create.operation.inputFields.find((field) => typeof field !== 'function' && field.key === 'model')).toMatchObject({ dynamic: 'list_models.id.name', required: true })
    }
    const trigger = app.triggers.list_models
    expect(trigger.display.hidden).toBe(true)
    expect(trigger.operation.outputFields?.map((field) => (typeof field === 'function' ? null : field.key))).toEqual(['id', 'name'])
  })

  it('both actions document exactly the flat output, with types', () => {
    for (const create of Object.values(app.creates)) {
      expect(create.operation.outputFields.map((field) => [field.key, field.type])).toEqual([
        ['text', 'string'],
        ['model', 'string'],
        ['provider', 'string'],
        ['finish_reason', 'string'],
        ['input_tokens', 'integer'],
        ['output_tokens', 'integer'],
        ['cost_usd', 'number'],
      ])
      expect(outputProblems(create.operation.sample, create.operation.outputFields)).toEqual([])
    }
  })

  it("the package's main and exports are the built app definition", async () => {
    const manifest = JSON.parse(readFileSync(`${connectorDir}package.json`, 'utf8')) as { main: string; exports: string; type: string; dependencies: Record<string, string> }
    expect(manifest).toMatchObject({ type: 'module', main: 'dist/index.js', exports: './dist/index.js' })
    expect(manifest.dependencies).toEqual({ 'zapier-platform-core': '19.1.0' })
    const viaMain = (await import(pathToFileURL(`${connectorDir}${manifest.main}`).href)) as { default: App }
    expect(`${connectorDir}${manifest.main}`).toBe(builtApp)
    expect(Object.keys(viaMain.default.creates)).toEqual(['send_prompt', 'send_chat_messages'])
    expect(viaMain.default.platformVersion).toBe('19.1.0')
  })
})
