import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = ['tensors', 'augment', 'encoders', 'contrastive', 'pretext', 'video-colorize', 'eval', 'cli'];
const root = fileURLToPath(new URL('..', import.meta.url));

/** Tests read sibling packages from source, so a test run never sees a stale build. */
const alias = [
  ...['tensors', 'encoders', 'pretext', 'video-colorize', 'eval'].map((name) => ({
    find: `@selfsup/${name}/node`,
    replacement: `${root}packages/${name}/src/node.ts`,
  })),
  ...packages.map((name) => ({ find: `@selfsup/${name}`, replacement: `${root}packages/${name}/src/index.ts` })),
];

export function packageTests(options: { testTimeout?: number } = {}) {
  return defineConfig({
    resolve: { alias },
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
