import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['test/electron/**/*.test.ts'], pool: 'forks', testTimeout: 60_000 },
});
