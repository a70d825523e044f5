import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Electron smoke test needs Electron's binary and native modules built for it: npm run test:electron.
    exclude: ['test/electron/**', 'node_modules/**'],
    // Native modules (better-sqlite3, keytar) and Chromium are happiest in child processes.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
