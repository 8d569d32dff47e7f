import * as tf from '@tensorflow/tfjs-core';
import { backend_util, util } from '@tensorflow/tfjs-core';
import type {
  BatchMatMulAttrs,
  FusedBatchNormAttrs,
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  FusedConv2DAttrs,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
  _FusedMatMulAttrs,
  MeanAttrs,
  SumAttrs,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from './addon.js';

/*
 * wasm kernels that hand the heavy arithmetic to the oneDNN addon: the addon reads the inputs and writes the output
 * in place on the wasm heap (Float32Array views from typedArrayFromHeap, taken after the output is allocated because
 * an allocation can grow, and so move, the heap). Anything they do not cover (NCHW, non-float32, activations other
 * than relu/linear, shapes oneDNN cannot express) goes to the kernel they replaced.
 */

type Args<A> = { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: A };

/** The kernels replaced, as they were before (selfsup's wasm kernels or stock wasm), for fallbacks and for disabling. */
const previous = new Map<string, KernelConfig>();

/** How often the native kernels ran and fell back (tests check that a case really ran natively). */
export const nativeKernelStats = { native: 0, fallbacks: 0 };

function fallback(name: string, args: Args<unknown>): TensorInfo {
  nativeKernelStats.fallbacks++;
  const config = previous.get(name);
  if (config === undefined) throw new Error(`no wasm kernel "${name}" to fall back to`);
  return config.kernelFunc({ inputs: args.inputs, backend: args.backend, attrs: args.attrs as NamedAttrMap }) as TensorInfo;
}

function heap(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

const allFloat = (...infos: (TensorInfo | undefined)[]) => infos.every((i) => i === undefined || i.dtype === 'float32');

/**
 * oneDNN's params for a conv2d, or undefined where its output-size formula cannot match tfjs's: oneDNN computes
 * OH = (H + padTop + padBottom - effectiveKernel) / stride + 1 (floored), so the bottom/right pad is set to what gives
 * tfjs's OH (reads past the input are zeros either way); a negative one is only allowed where 0 still gives OH.
 */
export function convParams(info: backend_util.Conv2DInfo): number[] | undefined {
  const { batchSize, inHeight, inWidth, inChannels, filterHeight, filterWidth, outChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const after = (size: number, out: number, stride: number, effective: number, before: number): number | undefined => {
    const needed = (out - 1) * stride + effective - size - before;
    if (needed >= 0) return needed;
    return Math.floor((size - effective + before) / stride) + 1 === out ? 0 : undefined;
  };
  if (padInfo.top < 0 || padInfo.left < 0) return undefined;
  const bottom = after(inHeight, outHeight, strideHeight, info.effectiveFilterHeight, padInfo.top);
  const right = after(inWidth, outWidth, strideWidth, info.effectiveFilterWidth, padInfo.left);
  if (bottom === undefined || right === undefined) return undefined;
  return [
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    filterHeight,
    filterWidth,
    outChannels,
    outHeight,
    outWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padInfo.top,
    padInfo.left,
    bottom,
    right,
  ];
}

type Shape4 = [number, number, number, number];

/** tfjs's conv geometry for an NHWC input and an HWIO filter, from a conv kernel's attributes. */
function convInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Pick<Conv2DAttrs, 'strides' | 'pad' | 'dimRoundingMode'>,
  dilations: Conv2DAttrs['dilations'],
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo([...xShape] as Shape4, [...filterShape] as Shape4, attrs.strides, dilations, attrs.pad, attrs.dimRoundingMode);
}

function makeKernels(addon: NativeAddon): KernelConfig[] {
  function conv2d(args: Args<Conv2DAttrs>): TensorInfo {
    const { backend, attrs } = args;
    const x = args.inputs['x'] as TensorInfo;
    const filter = args.inputs['filter'] as TensorInfo;
    if (attrs.dataFormat === 'NCHW' || !allFloat(x, filter)) return fallback(tf.Conv2D, args);
    const info = convInfo(x.shape, filter.shape, attrs, attrs.dilations);
    const params = convParams(info);
    if (params === undefined) return fallback(tf.Conv2D, args);
    nativeKernelStats.native++;
    const out = backend.makeOutput(info.outShape, 'float32');
    if (util.sizeFromShape(info.outShape) > 0) addon.conv2d(heap(backend, x), heap(backend, filter), null, heap(backend, out), params, false);
    return out;
  }

  function fusedConv2d(args: Args<FusedConv2DAttrs>): TensorInfo {
    const { backend, attrs } = args;
    const x = args.inputs['x'] as TensorInfo;
    const filter = args.inputs['filter'] as TensorInfo;
    const bias = args.inputs['bias'];
    const activation = attrs.activation;
    const outChannels = filter.shape[3] as number;
    const usable =
      attrs.dataFormat !== 'NCHW' &&
      allFloat(x, filter, bias) &&
      (activation === 'linear' || activation === 'relu') &&
      (bias === undefined || util.sizeFromShape(bias.shape) === outChannels);
    if (!usable) return fallback(tf.FusedConv2D, args);
    const info = convInfo(x.shape, filter.shape, attrs, attrs.dilations);
    const params = convParams(info);
    if (params === undefined) return fallback(tf.FusedConv2D, args);
    nativeKernelStats.native++;
    const out = backend.makeOutput(info.outShape, 'float32');
    if (util.sizeFromShape(info.outShape) > 0) {
      addon.conv2d(heap(backend, x), heap(backend, filter), bias === undefined ? null : heap(backend, bias), heap(backend, out), params, activation === 'relu');
    }
    return out;
  }

  function conv2dBackpropInput(args: Args<Conv2DBackpropInputAttrs>): TensorInfo {
    const { backend, attrs } = args;
    const dy = args.inputs['dy'] as TensorInfo;
    const filter = args.inputs['filter'] as TensorInfo;
    if (attrs.dataFormat === 'NCHW' || !allFloat(dy, filter)) return fallback(tf.Conv2DBackpropInput, args);
    const info = convInfo(attrs.inputShape, filter.shape, attrs, 1);
    const params = convParams(info);
    if (params === undefined || info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) return fallback(tf.Conv2DBackpropInput, args);
    nativeKernelStats.native++;
    const out = backend.makeOutput([...attrs.inputShape], 'float32');
    const dx = heap(backend, out);
    if (util.sizeFromShape(dy.shape) === 0 || util.sizeFromShape(filter.shape) === 0) dx.fill(0);
    else if (dx.length > 0) addon.conv2dBackwardData(heap(backend, dy), heap(backend, filter), dx, params);
    return out;
  }

  function conv2dBackpropFilter(args: Args<Conv2DBackpropFilterAttrs>): TensorInfo {
    const { backend, attrs } = args;
    const x = args.inputs['x'] as TensorInfo;
    const dy = args.inputs['dy'] as TensorInfo;
    if (attrs.dataFormat === 'NCHW' || !allFloat(x, dy)) return fallback(tf.Conv2DBackpropFilter, args);
    const info = convInfo(x.shape, attrs.filterShape, attrs, 1);
    const params = convParams(info);
    if (params === undefined || info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) return fallback(tf.Conv2DBackpropFilter, args);
    nativeKernelStats.native++;
    const out = backend.makeOutput([...attrs.filterShape], 'float32');
    const dw = heap(backend, out);
    if (util.sizeFromShape(dy.shape) === 0 || util.sizeFromShape(x.shape) === 0) dw.fill(0);
    else if (dw.length > 0) addon.conv2dBackwardFilter(heap(backend, x), heap(backend, dy), dw, params);
    return out;
  }

  /** Shapes oneDNN's matmul takes: equal batch dimensions, or one side's batch of 1 broadcast. */
  function matmulPlan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean) {
    if (a.shape.length < 2 || b.shape.length < 2) return undefined;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = util.sizeFromShape(outerA);
    const batchB = util.sizeFromShape(outerB);
    const rankA = a.shape.length;
    const rankB = b.shape.length;
    const m = a.shape[transposeA ? rankA - 1 : rankA - 2] as number;
    const k = a.shape[transposeA ? rankA - 2 : rankA - 1] as number;
    const kB = b.shape[transposeB ? rankB - 1 : rankB - 2] as number;
    const n = b.shape[transposeB ? rankB - 2 : rankB - 1] as number;
    if (k !== kB) return undefined;
    const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
    if (!sameOuter && batchA !== 1 && batchB !== 1) return undefined;
    const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
    if (batchA * batchB * m * n === 0 || k === 0) return undefined;
    return { params: [batchA, batchB, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0], shape: [...outer, m, n] };
  }

  function batchMatMul(args: Args<BatchMatMulAttrs>): TensorInfo {
    const { backend, attrs } = args;
    const a = args.inputs['a'] as TensorInfo;
    const b = args.inputs['b'] as TensorInfo;
    const plan = allFloat(a, b) ? matmulPlan(a, b, attrs.transposeA, attrs.transposeB) : undefined;
    if (plan === undefined) return fallback(tf.BatchMatMul, args);
    nativeKernelStats.native++;
    const out = backend.makeOutput(plan.shape, 'float32');
    addon.matmul(heap(backend, a), heap(backend, b), null, heap(backend, out), plan.params, false);
    return out;
  }

  function fusedMatMul(args: Args<_FusedMatMulAttrs>): TensorInfo {
    const { backend, attrs } = args;
    const a = args.inputs['a'] as TensorInfo;
    const b = args.inputs['b'] as TensorInfo;
    const bias = args.inputs['bias'];
    const plan =
      allFloat(a, b, bias) && (attrs.activation === 'linear' || attrs.activation === 'relu')
        ? matmulPlan(a, b, attrs.transposeA, attrs.transposeB)
        : undefined;
    const n = plan?.shape[plan.shape.length - 1];
    if (plan === undefined || (bias !== undefined && util.sizeFromShape(bias.shape) !== n)) return fallback(tf._FusedMatMul, args);
    nativeKernelStats.native++;
    const out = backend.makeOutput(plan.shape, 'float32');
    addon.matmul(heap(backend, a), heap(backend, b), bias === undefined ? null : heap(backend, bias), heap(backend, out), plan.params, attrs.activation === 'relu');
    return out;
  }


  /** Sum / Mean over a contiguous run of axes, as [outer, reduced, inner] -> [outer, inner]. */
  function reduction(name: string, mean: boolean) {
    return (args: Args<SumAttrs | MeanAttrs>): TensorInfo => {
      const { backend, attrs } = args;
      const x = args.inputs['x'] as TensorInfo;
      const axes = util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
      const contiguous = axes.every((a, i) => i === 0 || a === (axes[i - 1] as number) + 1);
      if (x.dtype !== 'float32' || axes.length === 0 || !contiguous || util.sizeFromShape(x.shape) === 0) return fallback(name, args);
      const first = axes[0] as number;
      const last = axes[axes.length - 1] as number;
      const outer = util.sizeFromShape(x.shape.slice(0, first));
      const reduced = util.sizeFromShape(x.shape.slice(first, last + 1));
      const inner = util.sizeFromShape(x.shape.slice(last + 1));
      const outShape = x.shape.filter((_, i) => i < first || i > last);
      const shape = attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      nativeKernelStats.native++;
      const out = backend.makeOutput(shape, 'float32');
      addon.reduce(heap(backend, x), heap(backend, out), [outer, reduced, inner], mean ? 1 / reduced : 1);
      return out;
    };
  }

  /** Where an operand sits in [outer, inner]: 0 full, 1 one row broadcast along outer, 2 a scalar; undefined: other. */
  function operandMode(shape: number[], outShape: number[], inner: number): number | undefined {
    const size = util.sizeFromShape(shape);
    if (size === util.sizeFromShape(outShape) && util.arraysEqual(shape, outShape)) return 0;
    if (size === 1) return 2;
    if (size === inner && shape[shape.length - 1] === inner) return 1;
    return undefined;
  }

  function binary(name: string, op: number) {
    return (args: Args<unknown>): TensorInfo => {
      const { backend } = args;
      const a = args.inputs['a'] as TensorInfo;
      const b = args.inputs['b'] as TensorInfo;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(name, args);
      const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const size = util.sizeFromShape(outShape);
      const inner = outShape.length === 0 ? 1 : (outShape[outShape.length - 1] as number);
      const aMode = operandMode(a.shape, outShape, inner);
      const bMode = operandMode(b.shape, outShape, inner);
      // Small tensors stay in wasm: there the call costs more than the arithmetic.
      if (size < elementwiseTuning.minElements || aMode === undefined || bMode === undefined) return fallback(name, args);
      nativeKernelStats.native++;
      const out = backend.makeOutput(outShape, 'float32');
      addon.binary(op, heap(backend, a), heap(backend, b), heap(backend, out), [size / inner, inner, aMode, bMode]);
      return out;
    };
  }

  function fusedBatchNorm(args: Args<FusedBatchNormAttrs>): TensorInfo {
    const { backend, attrs } = args;
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>;
    if (x === undefined || mean === undefined || variance === undefined) return fallback(tf.FusedBatchNorm, args);
    const channels = x.shape[x.shape.length - 1] as number;
    const perChannel = (t: TensorInfo | undefined) => t === undefined || (t.dtype === 'float32' && util.sizeFromShape(t.shape) === channels && t.shape[t.shape.length - 1] === channels);
    const size = util.sizeFromShape(x.shape);
    if (x.dtype !== 'float32' || size < elementwiseTuning.minElements || ![mean, variance, offset, scale].every(perChannel)) return fallback(tf.FusedBatchNorm, args);
    nativeKernelStats.native++;
    const out = backend.makeOutput([...x.shape], 'float32');
    addon.batchNorm(
      heap(backend, x),
      heap(backend, mean),
      heap(backend, variance),
      offset === undefined ? null : heap(backend, offset),
      scale === undefined ? null : heap(backend, scale),
      heap(backend, out),
      [size / channels, channels],
      attrs.varianceEpsilon,
    );
    return out;
  }

  const wasm = (kernelName: string, fn: unknown): KernelConfig => ({ kernelName, backendName: 'wasm', kernelFunc: fn as KernelFunc });
  return [
    wasm(tf.Conv2D, conv2d),
    wasm(tf.FusedConv2D, fusedConv2d),
    wasm(tf.Conv2DBackpropInput, conv2dBackpropInput),
    wasm(tf.Conv2DBackpropFilter, conv2dBackpropFilter),
    wasm(tf.BatchMatMul, batchMatMul),
    wasm(tf._FusedMatMul, fusedMatMul),
    wasm(tf.Sum, reduction(tf.Sum, false)),
    wasm(tf.Mean, reduction(tf.Mean, true)),
    wasm(tf.Add, binary(tf.Add, 0)),
    wasm(tf.Sub, binary(tf.Sub, 1)),
    wasm(tf.Multiply, binary(tf.Multiply, 2)),
    wasm(tf.RealDiv, binary(tf.RealDiv, 3)),
    wasm(tf.SquaredDifference, binary(tf.SquaredDifference, 4)),
    wasm(tf.FusedBatchNorm, fusedBatchNorm),
  ];
}

let active: NativeAddon | undefined;

/** The kernels the addon takes over on the wasm backend. */
export const NATIVE_KERNEL_NAMES: readonly string[] = [
  tf.Conv2D,
  tf.FusedConv2D,
  tf.Conv2DBackpropInput,
  tf.Conv2DBackpropFilter,
  tf.BatchMatMul,
  tf._FusedMatMul,
  tf.Sum,
  tf.Mean,
  tf.Add,
  tf.Sub,
  tf.Multiply,
  tf.RealDiv,
  tf.SquaredDifference,
  tf.FusedBatchNorm,
];

/** Element-wise kernels below this many output elements stay in wasm (mutable for tests). */
export const elementwiseTuning = { minElements: 4096 };

/**
 * Puts the addon's kernels in place of the wasm backend's (remembering those for fallbacks and for
 * {@link disableNativeKernels}). Call after the wasm backend and selfsup's wasm kernels are registered. Idempotent.
 */
export function enableNativeKernels(addon: NativeAddon): void {
  if (active === addon) return;
  if (active !== undefined) disableNativeKernels();
  for (const config of makeKernels(addon)) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current === undefined) throw new Error(`the wasm backend has no "${config.kernelName}" kernel to accelerate`);
    previous.set(config.kernelName, current);
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  active = addon;
}

/** Restores the wasm kernels the addon replaced. */
export function disableNativeKernels(): void {
  if (active === undefined) return;
  for (const [name, config] of previous) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
  previous.clear();
  active = undefined;
}

/** Whether the native kernels are registered now. */
export function nativeKernelsActive(): boolean {
  return active !== undefined;
}
