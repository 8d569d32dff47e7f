import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Tests read sibling packages from source, so a test run never sees a stale build: every package's `exports` entry
 * starts with a `@selfsup/source` condition pointing at its `src/<entry>.ts`, which only the workspace's tools ask for
 * (here, and `customConditions` in tsconfig.dev.json). Vite's defaults follow the custom condition; vitest runs node
 * tests in the ssr environment, so both lists are set.
 */
const sourceCondition = '@selfsup/source';

export function packageTests(options: { testTimeout?: number } = {}) {
  return defineConfig({
    resolve: { conditions: [sourceCondition, 'module', 'browser', 'development|production'] },
    ssr: { resolve: { conditions: [sourceCondition, 'module', 'node', 'development|production'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 60_000,
      pool: 'forks',
      // Two cores here and in CI: one test file per core keeps wasm kernels from fighting over them.
      maxWorkers: 2,
      setupFiles: [`${root}tooling/vitest-setup.ts`],
    },
  });
}
