import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError } from './errors.js';
import { assertOneOf, assertOptions, assertPositiveInteger } from './validate.js';
import { registerWasmKernels } from './kernels/register.js';
import { describeBackend } from './backend-description.js';
import { loadNativeAddon } from './kernels/native/addon.js';
import type { AddonSource } from './kernels/native/locate.js';
import { NATIVE_KERNEL_NAMES, disableNativeKernels, enableNativeKernels } from './kernels/native/kernels.js';
import { defaultWasmThreads } from './kernels/default-threads.js';
import { isNode, useThreadedWasm, wasmThreadCount } from './kernels/wasm-threads.js';

/** The backends selfsup can run on, in order of preference. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What {@link initBackend} chose, and why. */
export interface BackendReport {
  readonly backend: BackendName;
  /** What computes, in a few words: e.g. `wasm + oneDNN 2.6.3 (2 threads)`, `wasm (1 thread)`, `tensorflow (@tensorflow/tfjs-node)`. */
  readonly description: string;
  /** The npm package that provides it. */
  readonly package: string;
  /** One line: why this one (and what was skipped). */
  readonly reason: string;
  /** Backends tried before this one, with why they were not used. */
  readonly skipped: readonly { readonly backend: BackendName; readonly package: string; readonly why: string }[];
  /** Threads the backend computes with (XNNPACK's pool for wasm; 1 for cpu; 0 when the backend manages its own). */
  readonly threads: number;
  /** The native (oneDNN) kernels serving the wasm backend's heavy ops, when in use. */
  readonly native?: NativeKernelsReport;
}

/** The optional native kernels: which library, how many threads, which kernels they took over. */
export interface NativeKernelsReport {
  /** e.g. "oneDNN 2.6.3". */
  readonly library: string;
  /** OpenMP threads the library computes with. */
  readonly threads: number;
  /** tfjs kernel names served natively on the wasm backend. */
  readonly kernels: readonly string[];
  /** The addon file. */
  readonly path: string;
  /** Where the addon came from: the prebuilt platform package, a local build, or SELFSUP_NATIVE_ADDON. */
  readonly source: AddonSource;
}

/**
 * The native kernels: `auto` (default) uses them with the wasm backend when the addon is built and loads, `on`
 * requires them (an error says why they cannot load), `off` never uses them.
 */
export const NATIVE_MODES = ['auto', 'on', 'off'] as const;
export type NativeMode = (typeof NATIVE_MODES)[number];

/**
 * Loads an optional module by name. Injected in tests; by default a dynamic `import()`, so that optional peers
 * (tfjs-node, tfjs-node-gpu) are looked for only when asked.
 */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

export interface InitBackendOptions {
  /** Force a backend. Overrides `SELFSUP_BACKEND`. Missing backends are an error, not a fallback. */
  readonly backend?: BackendName;
  /** Print the choice to stderr (default: false). */
  readonly verbose?: boolean;
  /** How optional packages are loaded (tests inject one). */
  readonly loader?: ModuleLoader;
  /**
   * XNNPACK threads for the wasm backend under Node (or `SELFSUP_WASM_THREADS`; default: every core without the native
   * kernels, 1 with them, see kernels/default-threads.ts). Above 1 selfsup loads
   * tfjs's threaded-simd build itself, which stock tfjs never does under Node (see the README's Backends section).
   * Must be chosen before the wasm backend is first initialised.
   */
  readonly threads?: number;
  /**
   * The oneDNN kernels for the wasm backend (packages/tensors/native; built with `build:native`). Default `auto`, or
   * `SELFSUP_NATIVE`; `SELFSUP_BACKEND=wasm-native` means backend wasm with native `on`.
   */
  readonly native?: NativeMode;
  /** OpenMP threads of the native kernels (default: `SELFSUP_NATIVE_THREADS`, else OpenMP's default, the core count). */
  readonly nativeThreads?: number;
  /** Environment to read `SELFSUP_BACKEND`, `SELFSUP_WASM_THREADS`, `SELFSUP_NATIVE*` from (default: `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const defaultLoader: ModuleLoader = (specifier) => import(/* @vite-ignore */ specifier);

const PACKAGES: Record<BackendName, readonly string[]> = {
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
};

const HOW_TO_GET: Record<BackendName, string> = {
  tensorflow:
    'install @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (their installer downloads libtensorflow, which needs network access to the TensorFlow binaries host)',
  wasm: 'install @tensorflow/tfjs-backend-wasm@^4.22.0 (npm i @tensorflow/tfjs-backend-wasm)',
  cpu: 'install @tensorflow/tfjs-backend-cpu@^4.22.0 (npm i @tensorflow/tfjs-backend-cpu)',
};

let current: BackendReport | undefined;
let gradientsRegistered = false;

/**
 * tfjs-core registers its gradient functions only through a side-effect module that the umbrella `@tensorflow/tfjs`
 * package imports; selfsup imports tfjs-core alone, so initBackend loads that module explicitly (once).
 */
async function registerGradients(): Promise<void> {
  if (gradientsRegistered) return;
  // Our dist bundles that module. Run from source by plain Node (tsx scripts; vitest resolves on its own), tfjs-core's
  // extensionless ESM imports do not resolve: a resolve hook appends '.js' inside tfjs-core's dist. A failed import
  // stays cached by Node's loader, so the hook must be in place before the first attempt.
  const fromSource = import.meta.url.endsWith('.ts');
  const underVitest = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['VITEST'] !== undefined;
  if (fromSource && !underVitest) await registerTfjsEsmResolver();
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  gradientsRegistered = true;
}

const TFJS_ESM_RESOLVER = `
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    for (const candidate of [specifier + '.js', specifier + '/index.js']) {
      const target = new URL(candidate, parent);
      const file = fileURLToPath(target);
      if (existsSync(file) && statSync(file).isFile()) return next(target.href, context);
    }
  }
  return next(specifier, context);
}`;

/** Registers the resolve hook above with Node's module.register (Node >= 20.6). False where that is not possible. */
async function registerTfjsEsmResolver(): Promise<boolean> {
  const nodeModule = 'node:module';
  try {
    const { register } = (await import(/* @vite-ignore */ nodeModule)) as { register?: (url: string) => void };
    if (typeof register !== 'function') return false;
    register(`data:text/javascript,${encodeURIComponent(TFJS_ESM_RESOLVER)}`);
    return true;
  } catch {
    return false;
  }
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.slice(0, 200) ?? text;
}

async function tryBackend(
  name: BackendName,
  loader: ModuleLoader,
  threads = 1,
): Promise<{ ok: true; pkg: string; note?: string } | { ok: false; pkg: string; why: string }> {
  const errors: string[] = [];
  for (const pkg of PACKAGES[name]) {
    try {
      await loader(pkg);
    } catch (error) {
      errors.push(`${pkg}: ${errorText(error)}`);
      continue;
    }
    // tfjs-node registers as "tensorflow"; tfjs-node-gpu too.
    if (tf.findBackendFactory(name) === null) {
      errors.push(`${pkg} loaded but registered no "${name}" backend`);
      continue;
    }
    if (name === 'wasm') registerWasmKernels();
    let note: string | undefined;
    if (name === 'wasm' && threads > 1 && isNode() && tf.engine().registry['wasm'] === undefined) {
      // The threaded build is a workaround of tfjs internals: if it does not come up, the stock build still may.
      let restore: (() => void) | undefined;
      try {
        restore = await useThreadedWasm(threads);
        if (!(await tf.setBackend(name))) throw new Error('the threaded wasm build failed to initialise');
      } catch (error) {
        restore?.();
        note = `${threads} wasm threads requested, 1 used: ${errorText(error)}`;
      }
    }
    try {
      const ok = await tf.setBackend(name);
      if (!ok) {
        errors.push(`${pkg}: backend "${name}" failed to initialise`);
        continue;
      }
      await tf.ready();
    } catch (error) {
      errors.push(`${pkg}: ${errorText(error)}`);
      continue;
    }
    return note === undefined ? { ok: true, pkg } : { ok: true, pkg, note };
  }
  return { ok: false, pkg: PACKAGES[name].join(' / '), why: errors.join('; ') };
}

/**
 * Chooses and initialises the compute backend: `tensorflow` (tfjs-node-gpu, then tfjs-node, optional peers detected
 * at run time), then `wasm` (the default install; selfsup registers the conv-gradient kernels stock wasm lacks), then
 * `cpu`. `SELFSUP_BACKEND` or `options.backend` force one; a forced backend that cannot load is an error that says how
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
  const env = options.env ?? (globalThis.process?.env as Record<string, string | undefined> | undefined) ?? {};
  const backendRaw = options.backend ?? env['SELFSUP_BACKEND'];
  // 'wasm-native' is shorthand for the wasm backend with the native kernels required.
  const nativeAlias = options.backend === undefined && backendRaw === 'wasm-native';
  const forcedRaw = nativeAlias ? 'wasm' : backendRaw;
  const forced = forcedRaw === undefined || forcedRaw === '' ? undefined : forcedRaw;
  const nativeMode = requestedNative(options, env, nativeAlias);
  if (forced !== undefined) {
    assertOneOf(options.backend !== undefined ? 'options.backend' : 'SELFSUP_BACKEND', forced, BACKENDS);
  }
  // Detection runs once; a forced choice or an injected loader always re-checks (cheap: tfjs caches backends).
  const nativeAsked = options.native !== undefined || options.nativeThreads !== undefined;
  if (current !== undefined && forced === undefined && !nativeAsked && options.loader === undefined && tf.getBackend() === current.backend) {
    return current;
  }
  await registerGradients();
  const loader = options.loader ?? defaultLoader;
  const order: readonly BackendName[] = forced !== undefined ? [forced as BackendName] : BACKENDS;
  const threads = requestedThreads(options, env) ?? (order.includes('wasm') ? await defaultWasmThreads(nativeMode, env) : 1);
  const skipped: { backend: BackendName; package: string; why: string }[] = [];
  for (const name of order) {
    const result = await tryBackend(name, loader, threads);
    if (result.ok) {
      const chosen =
        forced !== undefined
          ? `${name} (${result.pkg}) chosen by ${options.backend !== undefined ? 'options.backend' : 'SELFSUP_BACKEND'}`
          : skipped.length === 0
            ? `${name} (${result.pkg}): the first choice, available`
            : `${name} (${result.pkg}): ${skipped.map((s) => `${s.backend} unavailable`).join(', ')}`;
      const accel = name === 'wasm' ? await setUpNative(nativeMode, options, env) : { note: undefined, report: undefined };
      const notes = [result.note, accel.note].filter((n): n is string => n !== undefined);
      const reason = notes.length === 0 ? chosen : `${chosen} (${notes.join('; ')})`;
      const threadCount = backendThreads(name);
      const description = describeBackend(name, result.pkg, threadCount, accel.report);
      current = { backend: name, description, package: result.pkg, reason, skipped, threads: threadCount, ...(accel.report ? { native: accel.report } : {}) };
      if (options.verbose) process.stderr.write(`selfsup backend: ${description}: ${reason}\n`);
      return current;
    }
    skipped.push({ backend: name, package: result.pkg, why: result.why });
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

function requestedNative(options: InitBackendOptions, env: Readonly<Record<string, string | undefined>>, alias: boolean): NativeMode {
  if (options.native !== undefined) {
    assertOneOf('options.native', options.native, NATIVE_MODES);
    return options.native;
  }
  if (alias) return 'on';
  const raw = env['SELFSUP_NATIVE'];
  if (raw === undefined || raw === '') return 'auto';
  assertOneOf('SELFSUP_NATIVE', raw, NATIVE_MODES);
  return raw as NativeMode;
}

/** Puts the native kernels in (or takes them out) for the wasm backend, as `mode` asks; says what happened. */
async function setUpNative(
  mode: NativeMode,
  options: InitBackendOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ note: string | undefined; report: NativeKernelsReport | undefined }> {
  if (mode === 'off') {
    disableNativeKernels();
    return { note: undefined, report: undefined };
  }
  let threads: number | undefined;
  if (options.nativeThreads !== undefined) {
    assertPositiveInteger('options.nativeThreads', options.nativeThreads);
    threads = options.nativeThreads;
  } else if (env['SELFSUP_NATIVE_THREADS'] !== undefined && env['SELFSUP_NATIVE_THREADS'] !== '') {
    threads = Number(env['SELFSUP_NATIVE_THREADS']);
    assertPositiveInteger('SELFSUP_NATIVE_THREADS', threads);
  }
  const load = await loadNativeAddon(env);
  if (!load.ok) {
    disableNativeKernels();
    if (mode === 'on') {
      throw new SelfsupError('BACKEND_UNAVAILABLE', `native kernels were requested but ${load.why}`, { native: load.why });
    }
    return { note: `native kernels not used: ${load.why}`, report: undefined };
  }
  if (threads !== undefined) load.addon.setThreads(threads);
  enableNativeKernels(load.addon);
  const report: NativeKernelsReport = {
    library: load.addon.version(),
    threads: load.addon.getThreads(),
    kernels: NATIVE_KERNEL_NAMES,
    path: load.path,
    source: load.source,
  };
  return { note: `${report.kernels.length} kernels on ${report.library}, ${report.threads} threads, from ${load.choice}`, report };
}

/** Threads asked for by `options.threads` or `SELFSUP_WASM_THREADS` (undefined: the default, kernels/default-threads.ts). */
function requestedThreads(options: InitBackendOptions, env: Readonly<Record<string, string | undefined>>): number | undefined {
  if (options.threads !== undefined) {
    assertPositiveInteger('options.threads', options.threads);
    return options.threads;
  }
  const raw = env['SELFSUP_WASM_THREADS'];
  if (raw === undefined || raw === '') return undefined;
  const threads = Number(raw);
  assertPositiveInteger('SELFSUP_WASM_THREADS', threads);
  return threads;
}

function backendThreads(name: BackendName): number {
  // wasm: the size of XNNPACK's pool as the module reports it (1 unless the threaded build is in use, which under
  // Node only selfsup's opt-in loader achieves: see packages/tensors/README.md).
  if (name === 'wasm') return wasmThreadCount();
  return name === 'cpu' ? 1 : 0;
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
