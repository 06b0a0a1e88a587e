/**
 * The admin pages, rendered on the server with Hono's JSX: plain HTML forms, no script, one stylesheet
 * served by the proxy itself. Every control has a visible <label>; these labels are SPEC §9's contract.
 */
import type { Child, FC } from 'hono/jsx'
import type { ConfigIssue } from '../config/load.ts'
import type { FieldName, FormValues } from './form.ts'
import type { PaywallReport } from './service.ts'

const Layout: FC<{ title: string; csrf?: string; children: Child }> = ({ title, csrf, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title} · OpenStack AI proxy</title>
      <link rel="stylesheet" href="/admin/style.css" />
    </head>
    <body>
      <header>
        <a href="/admin" class="brand">OpenStack AI proxy · Admin</a>
        {csrf !== undefined && (
          <form method="post" action="/admin/logout">
            <input type="hidden" name="_csrf" value={csrf} />
            <button type="submit" class="link">Sign out</button>
          </form>
        )}
      </header>
      <main>{children}</main>
    </body>
  </html>
)

export const SignInPage: FC<{ error?: string }> = ({ error }) => (
  <Layout title="Sign in">
    <h1>Sign in</h1>
    <form method="post" action="/admin/login" class="card">
      {error && (
        <p class="error" role="alert" id="token-error">
          {error}
        </p>
      )}
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required aria-describedby={error ? 'token-error' : undefined} />
      <button type="submit">Sign in</button>
    </form>
  </Layout>
)

export const PaywallListPage: FC<{ paywalls: PaywallReport[]; csrf: string }> = ({ paywalls, csrf }) => (
  <Layout title="Paywalls" csrf={csrf}>
    <h1>Paywalls</h1>
    <table>
      <thead>
        <tr>
          <th scope="col">Paywall</th>
          <th scope="col">PostHog</th>
          <th scope="col">Delivered</th>
          <th scope="col">Pending</th>
          <th scope="col">Dead-lettered</th>
        </tr>
      </thead>
      <tbody>
        {paywalls.map((p) => (
          <tr>
            <td>
              <a href={`/admin/paywalls/${encodeURIComponent(p.id)}`}>{p.name ? `${p.id} (${p.name})` : p.id}</a>
            </td>
            <td>{p.posthog.enabled ? 'on' : 'off'}</td>
            <td>{p.delivery.delivered}</td>
            <td>{p.delivery.pending}</td>
            <td>{p.delivery.deadLettered}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </Layout>
)

export interface PaywallPageProps {
  paywall: PaywallReport
  values: FormValues
  csrf: string
  editable: boolean
  /** After Save: "Saved", or the errors. */
  saved?: boolean
  errors?: { byField: Map<FieldName, string>; general: ConfigIssue[]; message?: string }
  /** After Send test event. */
  testEvent?: { delivered: true } | { delivered: false; error: string }
}

export const PaywallPage: FC<PaywallPageProps> = ({ paywall, values, csrf, editable, saved, errors, testEvent }) => {
  const action = `/admin/paywalls/${encodeURIComponent(paywall.id)}`
  const error = (field: FieldName) => errors?.byField.get(field)
  const field = (name: FieldName) => ({
    id: name,
    name,
    'aria-invalid': error(name) ? 'true' : undefined,
    'aria-describedby': [error(name) ? `${name}-error` : '', hints[name] ? `${name}-hint` : ''].filter(Boolean).join(' ') || undefined,
  })
  const hints: Partial<Record<FieldName, string>> = {
    apiKey: paywall.posthog.apiKeyHint ? `Saved: ${paywall.posthog.apiKeyHint}. Leave empty to keep it.` : 'No key saved yet.',
    customHost: 'Used when PostHog host is Custom, e.g. a self-hosted PostHog.',
  }
  const Hint = ({ name }: { name: FieldName }) => (hints[name] ? <p class="hint" id={`${name}-hint`}>{hints[name]}</p> : null)
  const Error = ({ name }: { name: FieldName }) =>
    error(name) ? (
      <p class="error" id={`${name}-error`}>
        {error(name)}
      </p>
    ) : null
  const Checkbox = ({ name, label, checked }: { name: FieldName; label: string; checked: boolean }) => (
    <div class="check">
      <input type="checkbox" value="on" checked={checked} {...field(name)} />
      <label for={name}>{label}</label>
      <Error name={name} />
    </div>
  )
  return (
    <Layout title={paywall.id} csrf={csrf}>
      <p>
        <a href="/admin">← Paywalls</a>
      </p>
      <h1>{paywall.name ? `${paywall.id} (${paywall.name})` : paywall.id}</h1>
      <h2>Configuration → Analytics</h2>
      {!editable && (
        <p class="notice">The config comes from environment variables, not a file: these settings can be viewed here but not saved.</p>
      )}
      {saved && (
        <p class="ok" role="status">
          Saved
        </p>
      )}
      {errors && (
        <div class="error" role="alert">
          <p>{errors.message ?? 'Not saved: fix the fields marked below.'}</p>
          {errors.general.length > 0 && (
            <ul>
              {errors.general.map((issue) => (
                <li>{issue.path ? `${issue.path}: ${issue.message}` : issue.message}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <form method="post" action={action} class="card">
        <input type="hidden" name="_csrf" value={csrf} />
        <Checkbox name="enabled" label="Enable PostHog" checked={values.enabled} />
        <label for="apiKey">Project API Key</label>
        <input type="password" autocomplete="off" spellcheck={false} placeholder={paywall.posthog.apiKeyHint ?? 'phc_…'} {...field('apiKey')} />
        <Hint name="apiKey" />
        <Error name="apiKey" />
        <label for="host">PostHog host</label>
        <select {...field('host')}>
          <option value="us" selected={values.host === 'us'}>
            US Cloud
          </option>
          <option value="eu" selected={values.host === 'eu'}>
            EU Cloud
          </option>
          <option value="custom" selected={values.host === 'custom'}>
            Custom
          </option>
        </select>
        <Error name="host" />
        <label for="customHost">Custom host URL</label>
        <input type="url" value={values.customHost} placeholder="https://posthog.example.com" {...field('customHost')} />
        <Hint name="customHost" />
        <Error name="customHost" />
        <label for="projectId">Project ID</label>
        <input type="text" inputmode="numeric" value={values.projectId} {...field('projectId')} />
        <Error name="projectId" />
        <Checkbox name="privacyMode" label="Privacy mode" checked={values.privacyMode} />
        <Checkbox name="requireUser" label="Require user" checked={values.requireUser} />
        <Checkbox name="anonymousFallback" label="Anonymous fallback" checked={values.anonymousFallback} />
        <button type="submit" disabled={!editable}>
          Save
        </button>
      </form>
      <form method="post" action={`${action}/test-event`} class="inline">
        <input type="hidden" name="_csrf" value={csrf} />
        <button type="submit">Send test event</button>
        <span class="hint">with the saved settings</span>
      </form>
      {testEvent?.delivered === true && (
        <p class="ok" role="status">
          Delivered
        </p>
      )}
      {testEvent?.delivered === false && (
        <p class="error" role="alert">
          {testEvent.error}
        </p>
      )}
      <DeliveryStatusView paywall={paywall} />
    </Layout>
  )
}

const DeliveryStatusView: FC<{ paywall: PaywallReport }> = ({ paywall }) => {
  const { delivery } = paywall
  return (
    <section aria-labelledby="delivery">
      <h2 id="delivery">Delivery</h2>
      <dl>
        <dt>Delivered</dt>
        <dd>{delivery.delivered}</dd>
        <dt>Pending</dt>
        <dd>{delivery.pending}</dd>
        <dt>Dead-lettered</dt>
        <dd>{delivery.deadLettered}</dd>
        <dt>Last error</dt>
        <dd>{delivery.lastError ? `${delivery.lastError.message} (at ${delivery.lastError.at})` : 'none'}</dd>
      </dl>
      <p class="hint">Counts since this process started; pending is what waits in its spool now.</p>
      {paywall.llmAnalyticsUrl ? (
        <p>
          <a href={paywall.llmAnalyticsUrl} rel="noreferrer" target="_blank">
            Open LLM analytics in PostHog
          </a>
        </p>
      ) : (
        <p class="hint">Save a Project ID to get a link to this project's LLM analytics in PostHog.</p>
      )}
    </section>
  )
}
