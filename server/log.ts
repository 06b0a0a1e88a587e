/** JSON-lines logger. Callers pass no secrets: keys never reach a log field. */
export type LogLevel = 'info' | 'warn' | 'error'
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void

export function jsonLogger(write: (line: string) => void = (line) => console.log(line)): Logger {
  return (level, msg, fields) => write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }))
}
