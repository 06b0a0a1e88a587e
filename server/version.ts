import pkg from '../package.json' with { type: 'json' }

/** `$ai_lib_version`: the proxy's package version. */
export const VERSION: string = pkg.version
