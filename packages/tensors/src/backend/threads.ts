import { wasmThreadCount } from '../kernels/wasm-threads.js';
import { assertPositiveInteger } from '../validate.js';
import type { BackendName, Env } from './types.js';

/**
 * A thread count: the option `optionName` when set, else the environment variable `envName`; undefined when neither
 * is. Either must be a positive integer.
 */
export function threadSetting(optionName: string, option: number | undefined, envName: string, env: Env): number | undefined {
  if (option !== undefined) {
    assertPositiveInteger(optionName, option);
    return option;
  }
  const raw = env[envName];
  if (raw === undefined || raw === '') return undefined;
  const fromEnv = Number(raw);
  assertPositiveInteger(envName, fromEnv);
  return fromEnv;
}

/** XNNPACK threads asked for by `options.threads` or `SELFSUP_WASM_THREADS` (undefined: the default, kernels/default-threads.ts). */
export function requestedThreads(threads: number | undefined, env: Env): number | undefined {
  return threadSetting('options.threads', threads, 'SELFSUP_WASM_THREADS', env);
}

/** Threads backend `name` computes with: XNNPACK's pool for wasm, 1 for cpu, 0 for tensorflow (it manages its own). */
export function backendThreads(name: BackendName): number {
  // wasm: the size of XNNPACK's pool as the module reports it (1 unless the threaded build is in use, which under
  // Node only selfsup's own loader achieves: see packages/tensors/README.md).
  if (name === 'wasm') return wasmThreadCount();
  return name === 'cpu' ? 1 : 0;
}
