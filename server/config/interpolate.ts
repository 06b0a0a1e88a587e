/**
 * `${VAR}` references in config strings are replaced from the environment. A reference to an unset
 * variable leaves the value out, so optional fields fall back to their defaults and required ones fail
 * validation with a message naming the variable.
 */

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

export interface Interpolated {
  value: unknown
  /** Config path (`paywalls[0].providers.openai.apiKey`) → the unset variables it referenced. */
  unset: Map<string, string[]>
}

export function interpolateEnv(value: unknown, env: Record<string, string | undefined>): Interpolated {
  const unset = new Map<string, string[]>()
  const walk = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      const missing: string[] = []
      const replaced = node.replace(REFERENCE, (_, name: string) => {
        const found = env[name]
        if (found === undefined || found === '') missing.push(name)
        return found ?? ''
      })
      if (missing.length === 0) return replaced
      unset.set(path, missing)
      return replaced.trim() === '' ? undefined : replaced
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, `${path}[${index}]`))
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(node)) {
        const walked = walk(item, path ? `${path}.${key}` : key)
        if (walked !== undefined) out[key] = walked
      }
      return out
    }
    return node
  }
  return { value: walk(value, ''), unset }
}
