/**
 * The optional oneDNN addon (packages/tensors/native): its interface and its loading. It comes prebuilt in the
 * optional dependency @selfsup/tensors-linux-x64-gnu, or is built locally with `pnpm --filter @selfsup/tensors
 * build:native` (needs g++ and libdnnl-dev); never required. Which one is found, and why: locate.ts.
 */
import { preferPassiveOpenMP } from '../default-threads.js';
import { type AddonSource, describeAddonChoice, locateAddon, nodeLocateHost } from './locate.js';

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
  /**
   * Training-mode batch norm over the last axis: mean and biased variance of x per channel, then
   * y = (x - mean) / sqrt(variance + epsilon) * scale + offset. params: outer, channels. Absent from addons built before it.
   */
  batchNormTraining?(
    x: Float32Array,
    scale: Float32Array,
    offset: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    params: readonly number[],
    epsilon: number,
  ): void;
  /** Its gradient: dx, dscale, doffset from dy, x, scale and the forward's mean and variance. Absent from older addons. */
  batchNormTrainingGrad?(
    dy: Float32Array,
    x: Float32Array,
    scale: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dx: Float32Array,
    dscale: Float32Array,
    doffset: Float32Array,
    params: readonly number[],
    epsilon: number,
  ): void;
  /** As batchNormTraining, writing y = max(0, batch norm of x) in the same pass. Absent from addons built before it. */
  batchNormReluTraining?(
    x: Float32Array,
    scale: Float32Array,
    offset: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    params: readonly number[],
    epsilon: number,
  ): void;
  /**
   * Its gradient: as batchNormTrainingGrad, with dy the gradient of the ReLU's output y (the forward's), taken through
   * the ReLU (dy where y > 0) inside the same passes. Absent from older addons.
   */
  batchNormReluTrainingGrad?(
    dy: Float32Array,
    y: Float32Array,
    x: Float32Array,
    scale: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dx: Float32Array,
    dscale: Float32Array,
    doffset: Float32Array,
    params: readonly number[],
    epsilon: number,
  ): void;
  /** dx = dy where x > 0, else 0 (the gradient of ReLU). params: count. Absent from addons built before it. */
  reluGrad?(dy: Float32Array, x: Float32Array, dx: Float32Array, params: readonly number[]): void;
  /**
   * One parameter's Adam update into pOut, mOut, vOut (optim/adam-update.ts has the formula). params: count; hyper:
   * beta1, 1 - beta1, beta2, 1 - beta2, lr c1, c2, epsilon, l2, lr decoupled. Absent from addons built before it.
   */
  adamUpdate?(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    pOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    params: readonly number[],
    hyper: Float32Array,
  ): void;
  /** out[o, j, :] = x[o, indices[j], :] for x [outer, dim, inner]. params: outer, dim, inner, count. Absent from addons built before it. */
  gather?(x: Float32Array, indices: Int32Array, out: Float32Array, params: readonly number[]): void;
  /**
   * Bilinear crops of image [batch, height, width, channels] at boxes [count, 4] (TensorFlow's sampling). params: batch,
   * height, width, channels, count, cropHeight, cropWidth. Absent from addons built before it.
   */
  cropAndResize?(image: Float32Array, boxes: Float32Array, boxInd: Int32Array, out: Float32Array, params: readonly number[], extrapolation: number): void;
  /** x of `shape` padded by mirroring, `before` and `after` per axis, with the edge when `symmetric`. Absent from addons built before it. */
  mirrorPad?(x: Float32Array, out: Float32Array, shape: readonly number[], before: readonly number[], after: readonly number[], symmetric: boolean): void;
  /** out[0] = 1 when every value of every array is finite, else 0. Absent from addons built before it. */
  allFinite?(tensors: readonly Float32Array[], out: Float32Array): void;
  setThreads(threads: number): void;
  getThreads(): number;
  version(): string;
}

export type AddonLoad =
  | {
      readonly ok: true;
      readonly addon: NativeAddon;
      readonly path: string;
      /** Where it came from: the prebuilt platform package, a local build, or SELFSUP_NATIVE_ADDON. */
      readonly source: AddonSource;
      /** One phrase: where it came from and why earlier candidates were not used. */
      readonly choice: string;
    }
  | { readonly ok: false; readonly why: string };

/** Answers per addon location (a load is attempted once per place). */
const cached = new Map<string, AddonLoad>();

/**
 * Loads the addon once (Node only): `SELFSUP_NATIVE_ADDON` if set, else the prebuilt platform package, else a local
 * build (see locate.ts). Fails with every reason: not Node, no platform package, not built, libdnnl missing.
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
  preferPassiveOpenMP();
  const located = locateAddon(env, await nodeLocateHost());
  if (!located.ok) return { ok: false, why: located.why };
  return { ok: true, addon: located.addon, path: located.path, source: located.source, choice: describeAddonChoice(located) };
}
