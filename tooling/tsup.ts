import { defineConfig, type Options } from 'tsup';

/**
 * The one build configuration every package uses, so that a change of bundler is a change of this file.
 * ESM only: a CJS twin would let a consumer load two copies of the tf engine (one per format), and the engine
 * keeps global state (kernel registry, backend, variables).
 */
export function packageBuild(entry: Record<string, string> = { index: 'src/index.ts' }, extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm'],
    target: 'node20',
    platform: 'neutral',
    dts: { compilerOptions: { composite: false } },
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    ...extra,
  });
}
