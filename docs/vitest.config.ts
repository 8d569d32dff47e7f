import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Each example runs in its own Node process; two at a time (two cores in CI).
  test: { include: ['test/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000, maxConcurrency: 2 },
});
