import type { z } from 'zod'
import { interpolateEnv } from './interpolate.ts'
import { type Config, configSchema } from './schema.ts'

export type Env = Record<string, string | undefined>
export type LoadResult = { ok: true; config: Config } | { ok: false; errors: string[] }
/** One validation error: the exact config path (`paywalls[0].posthog.apiKey`) and what is wrong there. */
export interface ConfigIssue {
  path: string
  message: string
}
export type ValidateResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] }

/**
 * Parses and validates a config file's text (SPEC §7), or builds one paywall `default` from the
 * environment when there is no file. `PORT` and `HOST` override the server address either way.
 */
export function loadConfig(fileText: string | null, env: Env, source = 'config'): LoadResult {
  let raw: unknown
  if (fileText === null) {
    if (!env.OPENSTACK_API_KEY) {
      return {
        ok: false,
        errors: [`${source}: no config file, and OPENSTACK_API_KEY is not set to build one from the environment`],
      }
    }
    raw = configFromEnv(env)
  } else {
    try {
      raw = JSON.parse(fileText)
    } catch (error) {
      return { ok: false, errors: [`${source}: not valid JSON (${(error as Error).message})`] }
    }
  }
  const validated = validateConfig(raw, env)
  if (validated.ok) return validated
  return { ok: false, errors: validated.issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`) }
}

/**
 * The config as parsed JSON (`${VAR}` references still in it) checked against the schema, with the
 * environment's values and overrides applied: what `loadConfig` does after parsing, with each error's
 * path apart from its message (the admin page shows each next to its field).
 */
export function validateConfig(raw: unknown, env: Env): ValidateResult {
  const { value, unset } = interpolateEnv(raw, env)
  const withOverrides = applyServerOverrides(value, env)
  if (!withOverrides.ok) return withOverrides
  const parsed = configSchema.safeParse(withOverrides.value)
  if (parsed.success) return { ok: true, config: parsed.data }
  return { ok: false, issues: parsed.error.issues.map((issue) => describeIssue(issue, unset)) }
}

function describeIssue(issue: z.core.$ZodIssue, unset: Map<string, string[]>): ConfigIssue {
  const path = formatPath(issue.path)
  const missingVars = unset.get(path)
  const message =
    issue.code === 'invalid_type' && issue.input === undefined ? 'required' : issue.message
  const hint = missingVars ? ` (environment variable ${missingVars.join(', ')} is not set)` : ''
  return { path, message: `${message}${hint}` }
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`
    return out ? `${out}.${String(key)}` : String(key)
  }, '')
}

function applyServerOverrides(value: unknown, env: Env): { ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: true, value }
  const config = value as Record<string, unknown>
  const server = { ...(config.server as Record<string, unknown> | undefined) }
  if (env.PORT !== undefined && env.PORT !== '') {
    const port = Number(env.PORT)
    if (!Number.isInteger(port) || port < 0 || port > 65535) return { ok: false, issues: [{ path: 'PORT', message: `"${env.PORT}" is not a port number` }] }
    server.port = port
  }
  if (env.HOST) server.hostname = env.HOST
  return { ok: true, value: { ...config, server } }
}

const ENV_PROVIDERS = [
  ['openai', 'OPENAI_API_KEY', 'OPENAI_BASE_URL'],
  ['anthropic', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'],
  ['gemini', 'GEMINI_API_KEY', 'GEMINI_BASE_URL'],
  ['openrouter', 'OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL'],
] as const

/** SPEC §7: without a file, one paywall `default` from the environment. */
function configFromEnv(env: Env): unknown {
  const providers: Record<string, { apiKey: string; baseUrl?: string }> = {}
  for (const [name, keyVar, urlVar] of ENV_PROVIDERS) {
    const apiKey = env[keyVar]
    if (!apiKey) continue
    providers[name] = env[urlVar] ? { apiKey, baseUrl: env[urlVar] } : { apiKey }
  }
  const names = Object.keys(providers)
  return {
    server: { adminToken: env.OPENSTACK_ADMIN_TOKEN || undefined },
    paywalls: [
      {
        id: 'default',
        apiKeys: [env.OPENSTACK_API_KEY],
        defaultProvider: names.includes('openai') ? 'openai' : names[0],
        providers,
        posthog: {
          enabled: Boolean(env.POSTHOG_API_KEY),
          apiKey: env.POSTHOG_API_KEY || undefined,
          host: env.POSTHOG_HOST || undefined,
          projectId: env.POSTHOG_PROJECT_ID || undefined,
        },
      },
    ],
  }
}
