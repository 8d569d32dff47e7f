import { defineConfig } from 'vitest/config';

// No aliases: the example tests the built packages, as a user's project would.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000, pool: 'forks', maxWorkers: 1 },
});
