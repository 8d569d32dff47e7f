import * as tf from '@tensorflow/tfjs-core';
import type { DataType, KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SelfsupError } from '../errors.js';

/*
 * Building blocks for selfsup's wasm kernels: thin calls into the wasm backend's own kernels (as tfjs backends compose
 * kernels internally, without the engine, tape or tidy) plus a convolution with arbitrary, even negative, padding.
 * Every function returns a new TensorInfo owned by the caller, who releases it with `release`.
 */

/** The kernels this module and its users call; stock kernels are looked up lazily, at call time. */
const stockKernels = new Map<string, KernelConfig>();

/**
 * Records the wasm backend's own config for a kernel selfsup replaces, so a replacement can still call (and set up)
 * the stock one. Called by registerWasmKernels before it unregisters the stock kernel.
 */
export function rememberStockKernel(config: KernelConfig): void {
  if (!stockKernels.has(config.kernelName)) stockKernels.set(config.kernelName, config);
}

/** The stock wasm config of a kernel selfsup replaced, if it had one. */
export function stockKernel(name: string): KernelConfig | undefined {
  return stockKernels.get(name);
}

/** Runs a wasm kernel directly. `stock: true` runs the backend's own version of a kernel selfsup replaced. */
export function callKernel(
  name: string,
  backend: BackendWasm,
  inputs: NamedTensorInfoMap,
  attrs: object = {},
  stock = false,
): TensorInfo {
  const config = stock ? stockKernel(name) : tf.getKernel(name, 'wasm');
  if (config === undefined) {
    throw new SelfsupError('BACKEND_UNAVAILABLE', `the wasm backend has no "${name}" kernel, which selfsup's kernels need`);
  }
  return config.kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

/** Frees an intermediate produced inside a kernel. */
export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function transpose(backend: BackendWasm, x: TensorInfo, perm: readonly number[]): TensorInfo {
  return callKernel('Transpose', backend, { x }, { perm });
}

/** A reshape shares the data (the wasm Reshape kernel only bumps a reference count); release it like any output. */
export function reshape(backend: BackendWasm, x: TensorInfo, shape: readonly number[]): TensorInfo {
  return callKernel('Reshape', backend, { x }, { shape });
}

export function slice(backend: BackendWasm, x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
  return callKernel('Slice', backend, { x }, { begin, size });
}

export function reverse(backend: BackendWasm, x: TensorInfo, dims: readonly number[]): TensorInfo {
  return callKernel('Reverse', backend, { x }, { dims });
}

export function sum(backend: BackendWasm, x: TensorInfo, axis: readonly number[]): TensorInfo {
  return callKernel('Sum', backend, { x }, { axis, keepDims: false });
}

/** A new tensor filled with zeros (the wasm heap is not zeroed on allocation). */
export function zeros(backend: BackendWasm, shape: readonly number[], dtype: DataType = 'float32'): TensorInfo {
  const out = backend.makeOutput([...shape], dtype);
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** A float32 tensor on the wasm heap holding `values`. */
export function fromValues(backend: BackendWasm, shape: readonly number[], values: Float32Array): TensorInfo {
  const out = backend.makeOutput([...shape], 'float32');
  backend.typedArrayFromHeap(out).set(values);
  return out;
}

/** Where a convolution reads, along one spatial axis. */
export interface AxisWindow {
  /** Output stride. */
  readonly stride: number;
  /** Filter dilation. */
  readonly dilation: number;
  /** Input rows before the first: output o reads input o * stride + k * dilation - pad; may be negative. */
  readonly pad: number;
  /** Output size. */
  readonly out: number;
}

/** The part of the input one axis of a convolution reads, as a crop of the input plus nonnegative padding. */
function axisPlan(size: number, kernel: number, window: AxisWindow): { begin: number; length: number; before: number; after: number } {
  const effective = (kernel - 1) * window.dilation + 1;
  const first = -window.pad;
  const end = (window.out - 1) * window.stride + effective - window.pad;
  const begin = Math.max(0, first);
  const length = Math.max(0, Math.min(size, end) - begin);
  // In cropped coordinates the output reads from -before up to end - begin - 1.
  return { begin, length, before: window.pad + begin, after: end - begin - length };
}

/**
 * A stride/dilation/padding-general 2-D convolution on NHWC data with the wasm backend's Conv2D (XNNPACK) or
 * DepthwiseConv2dNative kernel: out[n, oh, ow, :] = sum x[n, oh*sh + kh*dh - padTop, ow*sw + kw*dw - padLeft, :] *
 * filter[kh, kw, ...], zero outside x. Negative pads (and reads past the end that the output never makes) become a
 * crop of x; the rest is explicit padding, so the output is exactly `out` x `out` of the two windows.
 */
export function convolve(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  rows: AxisWindow,
  cols: AxisWindow,
  depthwise = false,
): TensorInfo {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const [kh, kw, , filterOut] = filter.shape as [number, number, number, number];
  const outChannels = depthwise ? channels * filterOut : filterOut;
  const r = axisPlan(height, kh, rows);
  const c = axisPlan(width, kw, cols);
  if (r.length === 0 || c.length === 0) return zeros(backend, [batch, rows.out, cols.out, outChannels]);
  const cropped = r.begin === 0 && c.begin === 0 && r.length === height && c.length === width;
  const input = cropped ? x : slice(backend, x, [0, r.begin, c.begin, 0], [batch, r.length, c.length, channels]);
  const attrs = {
    strides: [rows.stride, cols.stride],
    dilations: [rows.dilation, cols.dilation],
    pad: [
      [0, 0],
      [r.before, r.after],
      [c.before, c.after],
      [0, 0],
    ],
    dataFormat: 'NHWC',
  };
  const out = callKernel(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', backend, { x: input, filter }, attrs);
  if (input !== x) release(backend, input);
  return out;
}
