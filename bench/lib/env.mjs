/** Integer settings from the environment, checked, for the benchmark scripts. */

/** `process.env[name]` as an integer from `min` to `max`, or `fallback` when unset; throws otherwise. */
export function envInt(name, fallback, min, max) {
  const value = process.env[name] === undefined ? fallback : Number(process.env[name])
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}`)
  return value
}
