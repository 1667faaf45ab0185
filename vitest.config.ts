import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Minutes, never seconds: a loaded machine is slow, and a bound only matters when something hangs.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    expect: { poll: { timeout: 180_000 } },
    pool: 'forks',
    // Two cores: database suites each start their own embedded PostgreSQL.
    maxWorkers: 2,
  },
});
