/**
 * The config file as an entry file reaches it: the core never does file I/O itself, so the same
 * LiveConfig runs on Node and on Deno.
 */
export interface ConfigFile {
  /** Where it is, for messages. */
  readonly path: string
  read(): Promise<string>
  /**
   * Replaces the file atomically: the text goes to a temp file in the same directory, is fsynced, and is
   * renamed over the file, so a reader (or a crash) sees the old text or the new one, never a mix.
   */
  write(text: string): Promise<void>
  /**
   * Calls `onChange` whenever the file may have changed (another process saved it, or someone edited it);
   * calls may come in bursts and for no change at all. Returns what stops watching.
   */
  watch(onChange: () => void): () => void
}
