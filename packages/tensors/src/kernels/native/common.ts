import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from './addon.js';

/*
 * What the native kernels share. They are wasm kernels that hand the heavy arithmetic to the oneDNN addon: the addon
 * reads the inputs and writes the output in place on the wasm heap (Float32Array views from typedArrayFromHeap, taken
 * after the output is allocated because an allocation can grow, and so move, the heap). Anything they do not cover
 * (NCHW, non-float32, activations other than relu/linear, shapes oneDNN cannot express) goes to the kernel they
 * replaced.
 */

/** A native kernel's arguments, as tfjs passes them. */
export type NativeArgs<A> = { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: A };

/** How often the native kernels ran and fell back (tests check that a case really ran natively). */
export const nativeKernelStats = { native: 0, fallbacks: 0 };

/** Element-wise kernels below this many output elements stay in wasm (mutable for tests). */
export const elementwiseTuning = { minElements: 4096 };

/** The kernels replaced, as they were before (selfsup's wasm kernels or stock wasm), for fallbacks and for disabling. */
export const replacedKernels = new Map<string, KernelConfig>();

let active: NativeAddon | undefined;

/** The addon whose kernels are registered, if any. */
export function activeAddon(): NativeAddon | undefined {
  return active;
}

export function setActiveAddon(addon: NativeAddon | undefined): void {
  active = addon;
}

/** The addon the registered kernels call (they are only registered while one is active). */
function addon(): NativeAddon {
  if (active === undefined) throw new Error('the native kernels ran with no addon loaded');
  return active;
}

/** Runs the kernel that `name` replaced. */
export function fallback(name: string, args: NativeArgs<unknown>): TensorInfo {
  nativeKernelStats.fallbacks++;
  const config = replacedKernels.get(name);
  if (config === undefined) throw new Error(`no wasm kernel "${name}" to fall back to`);
  return config.kernelFunc({ inputs: args.inputs, backend: args.backend, attrs: args.attrs as NamedAttrMap }) as TensorInfo;
}

/** Counts a native run and allocates its float32 output; returns the output and the addon to compute it with. */
export function nativeOutput(backend: BackendWasm, shape: readonly number[]): { out: TensorInfo; addon: NativeAddon } {
  nativeKernelStats.native++;
  return { out: backend.makeOutput([...shape], 'float32'), addon: addon() };
}

/** A float32 view of a tensor's data on the wasm heap (take it after the last allocation). */
export function heap(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** `heap`, or null for an absent optional input. */
export function heapOrNull(backend: BackendWasm, info: TensorInfo | undefined): Float32Array | null {
  return info === undefined ? null : heap(backend, info);
}

/** Whether every given tensor is float32 (absent optional inputs count as such). */
export const allFloat = (...infos: (TensorInfo | undefined)[]): boolean => infos.every((i) => i === undefined || i.dtype === 'float32');

/** A wasm kernel config for `kernelFunc` (one output, or several). */
export function wasmKernel<A>(kernelName: string, kernelFunc: (args: NativeArgs<A>) => TensorInfo | TensorInfo[]): KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}
