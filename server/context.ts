import type { TimingVariables } from 'hono/timing'
import type { RequestIdVariables } from 'hono/request-id'
import type { Paywall } from './paywalls.ts'

/** The wire format of the caller's errors: the format of the API it called. */
export type ErrorFormat = 'openai' | 'anthropic' | 'gemini'

/** Hono environment shared by the app's routes and middleware. */
export interface AppEnv {
  Variables: TimingVariables &
    RequestIdVariables & {
      paywall: Paywall
      /** Set once the trace id is known, echoed as `X-Openstack-Trace-Id`. */
      traceId?: string
      /** Set by routes whose callers expect another format than OpenAI's. */
      errorFormat?: ErrorFormat
    }
}
