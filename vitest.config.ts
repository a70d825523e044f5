import { defineConfig } from 'vitest/config';

/** Integration tests of the desk alone: its SQLite file, backups and start-up problems, or no database at all. */
const deskOnly = [
  'test/integration/audit-head-file.test.ts',
  'test/integration/backups.test.ts',
  'test/integration/db.test.ts',
  'test/integration/startup-problems.test.ts',
  'test/integration/unwritable-database.test.ts',
  'test/integration/postgres-schema.test.ts',
  'test/integration/*-adapter.test.ts',
  'test/integration/keychain.test.ts',
];

/** Tests of a team's server alone, on PostgreSQL: several instances on one database; a team's working day in Chromium. */
const teamOnly = ['test/integration/server-crash.test.ts', 'test/e2e/team-day.e2e.test.ts'];

export default defineConfig({
  test: {
    // Native modules (better-sqlite3, keytar) and Chromium are happiest in child processes.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          // The Electron smoke test needs Electron's binary and native modules built for it: npm run test:electron.
          exclude: ['test/electron/**', 'node_modules/**', ...teamOnly],
        },
      },
      {
        // The same integration suite on a team's engine: a private PostgreSQL cluster on 127.0.0.1.
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/integration/**/*.test.ts', 'test/e2e/team-day.e2e.test.ts'],
          exclude: ['node_modules/**', ...deskOnly],
          env: { TANDEM_TEST_ENGINE: 'postgres' },
          globalSetup: ['test/postgres-global.ts'],
        },
      },
    ],
  },
});
