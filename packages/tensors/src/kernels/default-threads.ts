/**
 * Default thread counts (measured on 2 cores: packages/tensors/README.md, "Threads"):
 * - the oneDNN kernels use every core (OpenMP's default), with OpenMP threads that sleep rather than spin when idle
 *   (`OMP_WAIT_POLICY=passive` unless the environment sets it): spinning threads lose badly on a machine shared with
 *   other work, sleeping ones cost little on a free one;
 * - plain wasm (no native kernels) uses every core through XNNPACK's pool (tfjs's threaded build, which selfsup loads
 *   itself under Node); with the native kernels the wasm side keeps one thread, since the heavy ops are not there.
 */
import type { NativeMode } from '../backend.js';
import { loadNativeAddon } from './native/addon.js';
import { isNode } from './wasm-threads.js';

/** Cores this process may use (Node), else 1. */
async function cores(): Promise<number> {
  if (!isNode()) return 1;
  const osSpecifier = 'node:os';
  const os = (await import(/* @vite-ignore */ osSpecifier)) as typeof import('node:os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * XNNPACK threads for the wasm backend when neither `options.threads` nor `SELFSUP_WASM_THREADS` says: 1 when the
 * native kernels will serve it (`native` not `off` and the addon loads), else every core.
 */
export async function defaultWasmThreads(native: NativeMode, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  if (!isNode()) return 1;
  if (native !== 'off' && (await loadNativeAddon(env)).ok) return 1;
  return Math.max(1, await cores());
}

/**
 * Makes OpenMP's idle threads sleep (`OMP_WAIT_POLICY=passive`) unless the environment chose a policy. Must run
 * before libgomp is loaded (it reads the variable once, when it loads with the addon).
 */
export function preferPassiveOpenMP(): void {
  if (!isNode()) return;
  const env = process.env;
  if (env['OMP_WAIT_POLICY'] === undefined || env['OMP_WAIT_POLICY'] === '') env['OMP_WAIT_POLICY'] = 'passive';
}
