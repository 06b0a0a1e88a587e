import { defineConfig } from 'vitest/config'

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
          exclude: ['test/runtime/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // `npm start` rebuilds dist/ as users run it: only once nothing else is running the build.
        extends: true,
        test: { name: 'entry-points', include: ['test/runtime/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
})
