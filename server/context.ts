import type { TimingVariables } from 'hono/timing'
import type { RequestIdVariables } from 'hono/request-id'
import type { Paywall } from './paywalls.ts'

/** Hono environment shared by the app's routes and middleware. */
export interface AppEnv {
  Variables: TimingVariables &
    RequestIdVariables & {
      paywall: Paywall
      /** Set once the trace id is known, echoed as `X-Openstack-Trace-Id`. */
      traceId?: string
    }
}
