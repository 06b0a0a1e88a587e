import { asObject } from '../../shared/json.ts'
import type { Logger } from '../log.ts'
import { Paywalls } from '../paywalls.ts'
import type { ConfigFile } from './file.ts'
import { type ConfigIssue, type Env, loadConfig, validateConfig } from './load.ts'
import type { Config } from './schema.ts'

/** A config in force: what was validated, and the paywalls built from it. */
export interface ConfigState {
  config: Config
  paywalls: Paywalls
}

export type SaveResult =
  | { ok: true; state: ConfigState }
  | { ok: false; reason: 'invalid'; issues: ConfigIssue[] }
  | { ok: false; reason: 'no-file' | 'io'; message: string }

/**
 * What a save does to the file's parsed JSON (`${VAR}` references still in it), given the config the file
 * holds now. Returns issues to refuse the save without writing.
 */
export type ConfigEdit = (raw: Record<string, unknown>, current: Config) => ConfigIssue[]

/**
 * The config in force, replaceable while the proxy runs. Requests read `state` when they start and keep
 * what they read, so a request in flight finishes under the config it began with and the next one gets
 * the new one. Saves edit the file's raw JSON, never the interpolated config, so `${VAR}` references in
 * fields a save does not change stay in the file as they were.
 */
export class LiveConfig {
  private current: ConfigState
  /** The file's text the current state came from (null: from the environment). */
  private text: string | null
  private readonly listeners = new Set<(state: ConfigState) => void>()
  /** Saves and reloads run one at a time: a reload never reads the file halfway through a save. */
  private queue: Promise<unknown> = Promise.resolve()
  private reloadWanted = false

  constructor(
    initial: ConfigState,
    text: string | null,
    private readonly file: ConfigFile | null,
    private readonly env: Env,
    private readonly log: Logger,
  ) {
    this.current = initial
    this.text = text
  }

  get state(): ConfigState {
    return this.current
  }

  /** Whether saves can work: false when the config comes from the environment. */
  get editable(): boolean {
    return this.file !== null
  }

  /** Called with every new state once it is in force. */
  onChange(listener: (state: ConfigState) => void): void {
    this.listeners.add(listener)
  }

  /**
   * Reads the file, applies `edit` to it, validates the result with the config schema, writes it
   * atomically and puts it in force. Saves run one at a time. The file is read afresh, so edits made to
   * it by hand since the start are kept (and come into force with the save).
   */
  save(edit: ConfigEdit): Promise<SaveResult> {
    return this.exclusive(() => this.saveNow(edit))
  }

  /**
   * Puts the file's current text in force if it changed (another process saved it): coalesces bursts of
   * calls, and keeps the running config when the new text is invalid.
   */
  reload(): Promise<void> {
    this.reloadWanted = true
    // Calls made before a queued reload starts are served by it; a call during one queues the next.
    return this.exclusive(async () => {
      if (!this.reloadWanted) return
      this.reloadWanted = false
      await this.reloadOnce()
    })
  }

  /** Starts reloading whenever the file changes; returns what stops it. */
  watch(): () => void {
    if (!this.file) return () => {}
    return this.file.watch(() => void this.reload())
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run)
    this.queue = result.catch(() => undefined)
    return result
  }

  private async saveNow(edit: ConfigEdit): Promise<SaveResult> {
    const file = this.file
    if (!file) {
      return {
        ok: false,
        reason: 'no-file',
        message: 'The config comes from environment variables, not a file, so it cannot be saved here: write it to a file named by OPENSTACK_CONFIG (see README, Configuration) and restart.',
      }
    }
    let text: string
    try {
      text = await file.read()
    } catch (error) {
      return { ok: false, reason: 'io', message: `Cannot read ${file.path}: ${messageOf(error)}` }
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (error) {
      return { ok: false, reason: 'invalid', issues: [{ path: '', message: `${file.path} is not valid JSON (${messageOf(error)})` }] }
    }
    const before = validateConfig(raw, this.env)
    if (!before.ok) return { ok: false, reason: 'invalid', issues: before.issues }
    const rawConfig = asObject(raw)
    if (!rawConfig) return { ok: false, reason: 'invalid', issues: [{ path: '', message: 'the config file does not hold a JSON object' }] }
    const refused = edit(rawConfig, before.config)
    if (refused.length > 0) return { ok: false, reason: 'invalid', issues: refused }
    const after = validateConfig(rawConfig, this.env)
    if (!after.ok) return { ok: false, reason: 'invalid', issues: after.issues }
    const built = Paywalls.build(after.config)
    if (!built.ok) return { ok: false, reason: 'invalid', issues: built.errors.map(splitError) }
    const newText = `${JSON.stringify(rawConfig, null, 2)}\n`
    try {
      await file.write(newText)
    } catch (error) {
      return { ok: false, reason: 'io', message: `Cannot write ${file.path}: ${messageOf(error)}` }
    }
    const state = { config: after.config, paywalls: built.paywalls }
    this.apply(state, newText)
    this.log('info', 'config saved and in force', { path: file.path })
    return { ok: true, state }
  }

  private async reloadOnce(): Promise<void> {
    const file = this.file
    if (!file) return
    let text: string
    try {
      text = await file.read()
    } catch (error) {
      this.log('error', 'config file changed but cannot be read; the running config stays', { path: file.path, error: messageOf(error) })
      return
    }
    if (text === this.text) return
    const loaded = loadConfig(text, this.env, file.path)
    const built = loaded.ok ? Paywalls.build(loaded.config) : loaded
    if (!loaded.ok || !built.ok) {
      this.log('error', 'config file changed but is invalid; the running config stays', { path: file.path, errors: built.ok ? [] : built.errors })
      return
    }
    this.apply({ config: loaded.config, paywalls: built.paywalls }, text)
    this.log('info', 'config file changed: reloaded and in force', { path: file.path })
  }

  private apply(state: ConfigState, text: string): void {
    // Only the paywalls and the admin token apply at once; ports, workers and the spool are set up at start.
    if (startupSettings(this.current.config) !== startupSettings(state.config)) {
      this.log('warn', 'config: server and analytics settings that changed take effect at the next start')
    }
    this.current = state
    this.text = text
    for (const listener of this.listeners) listener(state)
  }
}

function startupSettings({ server, analytics }: Config): string {
  const { adminToken: _, ...rest } = server
  return JSON.stringify({ server: rest, analytics })
}

/** `paywalls[0].providers.x: message` as an issue. */
function splitError(error: string): ConfigIssue {
  const at = error.indexOf(': ')
  return at < 0 ? { path: '', message: error } : { path: error.slice(0, at), message: error.slice(at + 2) }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
