import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError } from './errors.js';
import { assertOneOf, assertOptions } from './validate.js';
import { registerGradients } from './backend/gradients.js';
import { setUpNative, requestedNative } from './backend/native.js';
import { HOW_TO_GET, defaultLoader, tryBackend } from './backend/packages.js';
import { backendThreads, requestedThreads } from './backend/threads.js';
import { describeBackend } from './backend/description.js';
import { defaultWasmThreads } from './kernels/default-threads.js';
import { BACKENDS, type BackendName, type BackendReport, type Env, type InitBackendOptions } from './backend/types.js';

/*
 * The backend choice. Its parts live in src/backend/: the public types (types.ts), the packages that provide each
 * backend and how one is brought up (packages.ts), thread counts (threads.ts), the optional native kernels (native.ts;
 * the addon itself is found and loaded by kernels/native/addon.ts), tfjs's gradients (gradients.ts) and the
 * module-resolution fix that running tfjs-core from source needs (tfjs-esm-resolver.ts).
 */

export { BACKENDS, NATIVE_MODES } from './backend/types.js';
export type { BackendName, BackendReport, InitBackendOptions, ModuleLoader, NativeKernelsReport, NativeMode, WebGpuAdapterReport, WebGpuOptions } from './backend/types.js';

let current: BackendReport | undefined;

/**
 * Chooses and initialises the compute backend: `tensorflow` (tfjs-node-gpu, then tfjs-node, optional peers detected
 * at run time), then `webgpu` (optional peers `webgpu`, Dawn for Node, and @tensorflow/tfjs-backend-webgpu; taken
 * automatically only on a real GPU adapter, see backend/webgpu.ts), then `wasm` (the default install; selfsup registers
 * the conv-gradient kernels stock wasm lacks), then `cpu`. `SELFSUP_BACKEND` or `options.backend` force one; a forced backend that cannot load is an error that says how
 * to get it. Idempotent: a second call with the same choice returns the first report.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from '@selfsup/tensors';
 *
 * const report = await initBackend(); // or initBackend({ backend: 'cpu' }), or SELFSUP_BACKEND=cpu
 * console.log(report.backend, report.reason); // e.g. "wasm", "wasm (@tensorflow/tfjs-backend-wasm): tensorflow unavailable"
 * console.log(tf.getBackend() === report.backend); // true
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  assertOptions('options', options);
  const env: Env = options.env ?? (globalThis.process?.env as Record<string, string | undefined> | undefined) ?? {};
  const backendRaw = options.backend ?? env['SELFSUP_BACKEND'];
  // 'wasm-native' is shorthand for the wasm backend with the native kernels required.
  const nativeAlias = options.backend === undefined && backendRaw === 'wasm-native';
  const forcedRaw = nativeAlias ? 'wasm' : backendRaw;
  const forced = forcedRaw === undefined || forcedRaw === '' ? undefined : forcedRaw;
  const nativeMode = requestedNative(options.native, env, nativeAlias);
  const forcedBy = options.backend !== undefined ? 'options.backend' : 'SELFSUP_BACKEND';
  if (forced !== undefined) assertOneOf(forcedBy, forced, BACKENDS);
  // Detection runs once; a forced choice or an injected loader always re-checks (cheap: tfjs caches backends).
  const nativeAsked = options.native !== undefined || options.nativeThreads !== undefined;
  if (current !== undefined && forced === undefined && !nativeAsked && options.loader === undefined && tf.getBackend() === current.backend) {
    return current;
  }
  await registerGradients();
  const loader = options.loader ?? defaultLoader;
  const order: readonly BackendName[] = forced !== undefined ? [forced as BackendName] : BACKENDS;
  const threads = requestedThreads(options.threads, env) ?? (order.includes('wasm') ? await defaultWasmThreads(nativeMode, env) : 1);
  const skipped: { backend: BackendName; package: string; why: string }[] = [];
  for (const name of order) {
    const result = await tryBackend(name, loader, threads, { options: options.webgpu ?? {}, env, forced: forced !== undefined });
    if (!result.ok) {
      skipped.push({ backend: name, package: result.pkg, why: result.why });
      continue;
    }
    const chosen =
      forced !== undefined
        ? `${name} (${result.pkg}) chosen by ${forcedBy}`
        : skipped.length === 0
          ? `${name} (${result.pkg}): the first choice, available`
          : `${name} (${result.pkg}): ${skipped.map((s) => `${s.backend} unavailable`).join(', ')}`;
    const accel = name === 'wasm' ? await setUpNative(nativeMode, options.nativeThreads, env) : { note: undefined, report: undefined };
    const notes = [result.note, accel.note].filter((n): n is string => n !== undefined);
    const reason = notes.length === 0 ? chosen : `${chosen} (${notes.join('; ')})`;
    const threadCount = backendThreads(name);
    const description = describeBackend(name, result.pkg, threadCount, accel.report, result.adapter);
    current = {
      backend: name,
      description,
      package: result.pkg,
      reason,
      skipped,
      threads: threadCount,
      ...(accel.report ? { native: accel.report } : {}),
      ...(result.adapter !== undefined ? { adapter: result.adapter } : {}),
    };
    if (options.verbose) process.stderr.write(`selfsup backend: ${description}: ${reason}\n`);
    return current;
  }
  const last = skipped[skipped.length - 1];
  throw new SelfsupError(
    'BACKEND_UNAVAILABLE',
    forced !== undefined
      ? `backend "${forced}" is not available (${last?.why ?? 'unknown'}); to use it, ${HOW_TO_GET[forced as BackendName]}`
      : `no backend could be initialised: ${skipped.map((s) => `${s.backend}: ${s.why}`).join(' | ')}; ${HOW_TO_GET.wasm}`,
    { skipped },
  );
}

/** The report of the last successful {@link initBackend}, if any. */
export function currentBackend(): BackendReport | undefined {
  return current !== undefined && tf.getBackend() === current.backend ? current : undefined;
}

/**
 * Runs `fn` with another backend active, then restores the previous one. For cross-backend checks (tests compare
 * every custom kernel with the cpu backend this way).
 */
export async function withBackend<T>(name: BackendName, fn: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  const saved = current;
  await initBackend({ backend: name });
  try {
    return await fn();
  } finally {
    if (previous !== undefined && previous !== tf.getBackend()) await tf.setBackend(previous);
    current = saved;
  }
}
