// Bundles each node and credential into CommonJS under dist/ (n8n require()s them), with the repo's
// shared/ core inlined; n8n-workflow and @n8n/ai-node-sdk stay external: n8n provides them at run time.
import { build } from 'esbuild'
import { cp, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'))
// package.json lists the built files (dist/x.node.js); each comes from x.node.ts.
const entries = [...manifest.n8n.nodes, ...manifest.n8n.credentials].map((file) =>
  join(root, file.replace(/^dist\//, '').replace(/\.js$/, '.ts')),
)

await rm(dist, { recursive: true, force: true })
await build({
  entryPoints: entries,
  outbase: root,
  outdir: dist,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['n8n-workflow', '@n8n/ai-node-sdk'],
  logLevel: 'warning',
})
await cp(join(root, 'icons'), join(dist, 'icons'), { recursive: true })
// Codex files (categories, docs links) sit next to each built node, where n8n's loader looks.
for (const file of manifest.n8n.nodes) {
  await cp(join(root, file.replace(/^dist\//, '').replace(/\.js$/, '.json')), join(root, file.replace(/\.js$/, '.json')))
}
