import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * n8n-workflow from connectors/n8n's own install (`node connectors/install.mjs`, the root's pretest), or
 * null before that install: then only the n8n project fails (cannot resolve n8n-workflow), not the config.
 */
function connectorModule(name: string): string | null {
  try {
    return createRequire(new URL('./connectors/n8n/package.json', import.meta.url)).resolve(name)
  } catch {
    return null
  }
}
const n8nWorkflow = connectorModule('n8n-workflow')
// The package directory, not its CommonJS file: the tests and the built app (dist/index.js, ESM) then load
// the same ESM entry of zapier-platform-core, so one core instance (and one set of error classes) runs both.
// A fixed path: the zapier project's setup installs it when missing, after this config is read.
const zapierCore = fileURLToPath(new URL('./connectors/zapier/node_modules/zapier-platform-core', import.meta.url))

export default defineConfig({
  test: {
    globalSetup: ['test/setup/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'core-and-proxy',
          include: ['shared/**/*.test.ts', 'server/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/runtime/**', 'test/faults/**', 'test/n8n/unit/**', 'test/n8n/e2e/**', 'test/admin/browser/**', 'test/zapier/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The n8n community node package (connectors/n8n): its nodes against fake n8n contexts, its build,
        // lint, verification scan and packed tarball. Outside the package, so n8n's lint never sees the tests.
        extends: true,
        // n8n-workflow as n8n loads it, CommonJS: its ESM build has extensionless imports that only
        // vite's transform (with a warning per file) can follow.
        resolve: { alias: n8nWorkflow ? { 'n8n-workflow': n8nWorkflow } : {} },
        test: { name: 'n8n', include: ['test/n8n/unit/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        // The admin page in a real headless Chromium (Debian's chromium package; .ci/run installs it).
        extends: true,
        test: { name: 'admin-browser', include: ['test/admin/browser/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        // The Zapier app (connectors/zapier), built as it ships, run by zapier-platform-core's appTester against
        // the real proxy, checked by core's and the CLI's validation, and bundled by the CLI. Outside the package.
        extends: true,
        resolve: { alias: { 'zapier-platform-core': zapierCore } },
        test: {
          name: 'zapier',
          include: ['test/zapier/**/*.test.ts'],
          globalSetup: ['test/zapier/setup.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // `npm start` rebuilds dist/ as users run it: only once nothing else is running the build.
        extends: true,
        test: { name: 'entry-points', include: ['test/runtime/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
      {
        // Durable delivery under faults (SPEC §6): a 60 s PostHog outage, kill -9, SIGTERM, 4xx (about 2 min).
        // Last and one file at a time, so no other load blurs the figures (test/faults/results.json with OPENSTACK_FAULTS_RECORD=1).
        extends: true,
        test: { name: 'faults', include: ['test/faults/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 2 } },
      },
      {
        // A real n8n running the connector package (test/n8n/e2e): after the faults, so neither blurs the other.
        // The hook allows a first n8n install (about 8 min) when .ci/run has not cached it.
        extends: true,
        test: {
          name: 'n8n-e2e',
          include: ['test/n8n/e2e/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 35 * 60_000,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
})
