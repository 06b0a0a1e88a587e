export declare const N8N_VERSION: string

export interface N8nInstall {
  version: string
  /** The cache folder holding Node 24 and n8n. */
  root: string
  /** Node 24's executable (n8n 2.41 refuses older Node). */
  nodeBin: string
  /** n8n's bin script, run as `<nodeBin> <n8nBin> ...`. */
  n8nBin: string
  /** n8n's node_modules, for reading what the install ships (node versions). */
  n8nModules: string
}

export interface InstallOptions {
  /** Install folder; default cacheDir(). */
  dir?: string
  /** Whole install, lock wait included; default 25 min. */
  timeoutMs?: number
  log?: (line: string) => void
}

export declare function cacheDir(): string
export declare function ensureN8n(options?: InstallOptions): Promise<N8nInstall>
