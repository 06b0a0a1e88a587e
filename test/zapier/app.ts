/**
 * The Zapier app as it ships (connectors/zapier/dist/index.js, built by ./setup.ts), zapier-platform-core's
 * appTester for it, and the proxy stack (real proxy, fake upstream, fake PostHog) its actions call.
 */
import { fileURLToPath, pathToFileURL } from 'node:url'
import zapier, { type AuthField, type Bundle, type PlainInputField, type PlainOutputField, type ZObject } from 'zapier-platform-core'
import { KEYS } from '../harness/config.ts'
import type { Runtime } from '../harness/proxy-process.ts'
import { type Stack, startStack } from '../harness/stack.ts'

export const connectorDir = fileURLToPath(new URL('../../connectors/zapier/', import.meta.url))
export const builtApp = `${connectorDir}dist/index.js`

/** A function of the definition (perform, field function, connection test or label), as appTester runs it. */
export type AppFunction = (z: ZObject, bundle: Bundle) => unknown

/** A create or trigger of the app, as the tests read it (core's types leave every part optional). */
export interface ShippedOperation {
  key: string
  noun: string
  display: { label: string; description: string; hidden?: boolean }
  operation: {
    inputFields: Array<PlainInputField | AppFunction>
    perform: AppFunction
    outputFields: PlainOutputField[]
    sample: Record<string, unknown>
  }
}

/** The app definition the package exports (SPEC §8 names its parts). */
export interface App {
  version: string
  platformVersion: string
  authentication: { type: string; fields: AuthField[]; test: AppFunction; connectionLabel: AppFunction }
  triggers: { list_models: Omit<ShippedOperation, 'operation'> & { operation: Omit<ShippedOperation['operation'], 'inputFields'> } }
  creates: { send_prompt: ShippedOperation; send_chat_messages: ShippedOperation }
}

/** The built app's default export (the bundle has no .d.ts: typed by what the tests read of it). */
export async function loadApp(): Promise<App> {
  const module = (await import(pathToFileURL(builtApp).href)) as { default: App }
  return module.default
}

export type AppTester = ReturnType<typeof zapier.createAppTester>

export interface ZapierStack {
  app: App
  appTester: AppTester
  stack: Stack
  /** The connection's fields for this proxy (`base_url` with a trailing slash, as users paste it). */
  authData(extra?: Record<string, string>): Record<string, string>
  stop(): Promise<void>
}

/** The app, its tester, and the real proxy (on Node unless told) between the fakes. */
export async function startZapierStack(runtime: Runtime = 'node'): Promise<ZapierStack> {
  const [app, stack] = await Promise.all([loadApp(), startStack(runtime)])
  return {
    app,
    appTester: zapier.createAppTester(app),
    stack,
    authData: (extra = {}) => ({ base_url: `${stack.proxy.url}/v1/`, api_key: KEYS.main, ...extra }),
    stop: () => stack.stop(),
  }
}

/** An error as Zapier shows it: AppError and ThrottledError carry their fields as JSON in `message`. */
export interface ZapierFailure {
  name: string
  message: string
  code?: string
  status?: number
  delay?: number
}

/** The error a call fails with, its JSON fields read (the test fails if the call succeeds). */
export async function failure(call: Promise<unknown>): Promise<ZapierFailure> {
  const error = await call.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`)
    },
    (error: unknown) => error as Error,
  )
  if (error.name !== 'AppError' && error.name !== 'ThrottledError') return { name: error.name, message: error.message }
  return { name: error.name, ...(JSON.parse(error.message) as Omit<ZapierFailure, 'name'>) }
}
