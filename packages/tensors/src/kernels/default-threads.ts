/**
 * Default thread counts (measured on 2 cores: packages/tensors/README.md, "Threads"):
 * - the oneDNN kernels use every core (OpenMP's default), with OpenMP threads that spin briefly and then sleep when
 *   idle (`OMP_WAIT_POLICY=passive`, `GOMP_SPINCOUNT=10000`, unless the environment sets either): threads that keep
 *   spinning lose badly on a machine shared with other work; threads that sleep at once pay a wake-up for each of a
 *   step's hundreds of kernels on a free one; the short spin bridges the gaps between kernels;
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

/** Spins of an idle OpenMP thread before it sleeps (libgomp's unit; its default is 300 000, and 0 under passive). */
export const OPENMP_SPIN_COUNT = '10000';

/**
 * Makes OpenMP's idle threads sleep after a short spin (`OMP_WAIT_POLICY=passive`, `GOMP_SPINCOUNT=10000`) unless the
 * environment chose a policy or a spin count. Must run before libgomp is loaded (it reads the variables once, when it
 * loads with the addon).
 */
export function preferPassiveOpenMP(env: Record<string, string | undefined> = isNode() ? process.env : {}): void {
  const unset = (name: string) => env[name] === undefined || env[name] === '';
  if (unset('OMP_WAIT_POLICY') && unset('GOMP_SPINCOUNT')) env['GOMP_SPINCOUNT'] = OPENMP_SPIN_COUNT;
  if (unset('OMP_WAIT_POLICY')) env['OMP_WAIT_POLICY'] = 'passive';
}
