// Bundles src/index.ts into dist/index.js (ESM, what package.json `main`/`exports` name), with the repo's
// shared/ core inlined; zapier-platform-core stays external: it is the app's one runtime dependency,
// installed from package.json in the deployed bundle.
import { build } from 'esbuild'
import { rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

await rm(join(root, 'dist'), { recursive: true, force: true })
await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile: join(root, 'dist', 'index.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Zapier runs apps on Node 22; the tests load the same file on Node 20.
  target: 'node20',
  external: ['zapier-platform-core'],
  logLevel: 'warning',
})
