// Bundles src/index.ts into dist/index.js (ESM, what package.json `main`/`exports` name), with the repo's
// shared/ core inlined; zapier-platform-core stays external: it is the app's one runtime dependency,
// installed from package.json in the deployed bundle.
import { build } from 'esbuild'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outfile = join(root, 'dist', 'index.js')

const result = await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Zapier runs apps on Node 22; the tests load the same file on Node 20.
  target: 'node20',
  external: ['zapier-platform-core'],
  logLevel: 'warning',
  write: false,
})
// Replaced in one rename: `npm run bundle` rebuilds while other tests may be loading dist/index.js.
await mkdir(dirname(outfile), { recursive: true })
await writeFile(`${outfile}.${process.pid}.tmp`, result.outputFiles[0].contents)
await rename(`${outfile}.${process.pid}.tmp`, outfile)
