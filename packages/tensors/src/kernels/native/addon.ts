/**
 * The optional oneDNN addon (packages/tensors/native): its interface and how it is found. Built on demand with
 * `pnpm --filter @selfsup/tensors build:native` (needs g++ and libdnnl-dev); never downloaded, never required.
 */

/** The addon's functions. Arrays are Float32Array views (on the wasm heap); params as documented in native/*.cc. */
export interface NativeAddon {
  /** y = conv(x, filter) [+ bias] [relu]. params: N,H,W,C,KH,KW,O,OH,OW,sH,sW,dH,dW,padTop,padLeft,padBottom,padRight. */
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, params: readonly number[], relu: boolean): void;
  conv2dBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, params: readonly number[]): void;
  conv2dBackwardFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, params: readonly number[]): void;
  /** c = a @ b [+ bias] [relu]. params: batchA, batchB, M, K, N, transposeA (0/1), transposeB (0/1). */
  matmul(a: Float32Array, b: Float32Array, bias: Float32Array | null, c: Float32Array, params: readonly number[], relu: boolean): void;
  /** y[o, i] = scale * sum_r x[o, r, i]. params: outer, reduced, inner. */
  reduce(x: Float32Array, y: Float32Array, params: readonly number[], scale: number): void;
  /** out = a op b (0 add, 1 sub, 2 mul, 3 div, 4 squared difference). params: outer, inner, aMode, bMode (0 full, 1 [inner], 2 scalar). */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, params: readonly number[]): void;
  /** y = (x - mean) / sqrt(variance + epsilon) * scale + offset over the last axis. params: outer, channels. */
  batchNorm(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    offset: Float32Array | null,
    scale: Float32Array | null,
    y: Float32Array,
    params: readonly number[],
    epsilon: number,
  ): void;
  setThreads(threads: number): void;
  getThreads(): number;
  version(): string;
}

export type AddonLoad = { readonly ok: true; readonly addon: NativeAddon; readonly path: string } | { readonly ok: false; readonly why: string };

const ADDON_FILE = 'selfsup_dnnl.node';

/** Where the built addon may be: beside dist/ (built package) or beside src/ (run from source). */
function candidatePaths(env: Readonly<Record<string, string | undefined>>): string[] {
  const explicit = env['SELFSUP_NATIVE_ADDON'];
  if (explicit !== undefined && explicit !== '') return [explicit];
  const here = import.meta.url;
  return [`../native/build/${ADDON_FILE}`, `../../native/build/${ADDON_FILE}`, `../../../native/build/${ADDON_FILE}`].map((relative) =>
    new URL(relative, here).href,
  );
}

/** Answers per addon location (a load is attempted once per place). */
const cached = new Map<string, AddonLoad>();

/**
 * Loads the addon once (Node only). Fails with the reason: not Node, not built, or its shared library (libdnnl)
 * missing. `SELFSUP_NATIVE_ADDON` names another file.
 */
export async function loadNativeAddon(env: Readonly<Record<string, string | undefined>>): Promise<AddonLoad> {
  const key = env['SELFSUP_NATIVE_ADDON'] ?? '';
  const known = cached.get(key);
  if (known !== undefined) return known;
  const result = await tryLoad(env);
  cached.set(key, result);
  return result;
}

async function tryLoad(env: Readonly<Record<string, string | undefined>>): Promise<AddonLoad> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (proc?.versions?.node === undefined) return { ok: false, why: 'native kernels need Node.js' };
  const moduleSpecifier = 'node:module';
  const urlSpecifier = 'node:url';
  const fsSpecifier = 'node:fs';
  const { createRequire } = (await import(/* @vite-ignore */ moduleSpecifier)) as typeof import('node:module');
  const { fileURLToPath } = (await import(/* @vite-ignore */ urlSpecifier)) as typeof import('node:url');
  const { existsSync } = (await import(/* @vite-ignore */ fsSpecifier)) as typeof import('node:fs');
  const require = createRequire(import.meta.url);
  const files = candidatePaths(env).map((p) => (p.startsWith('file:') ? fileURLToPath(p) : p));
  const file = files.find((f) => existsSync(f));
  if (file === undefined) {
    return { ok: false, why: 'the oneDNN addon is not built (pnpm --filter @selfsup/tensors build:native; needs g++ and libdnnl-dev)' };
  }
  try {
    const addon = require(file) as NativeAddon;
    if (typeof addon.conv2d !== 'function' || typeof addon.version !== 'function') return { ok: false, why: `${file} is not selfsup's addon` };
    return { ok: true, addon, path: file };
  } catch (error) {
    const text = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, why: `the oneDNN addon did not load (${text})` };
  }
}
