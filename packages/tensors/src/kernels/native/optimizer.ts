import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { ALL_FINITE_KERNEL } from '../../fit/finite.js';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from '../../optim/adam-update.js';
import type { NativeAddon } from './addon.js';
import { activeAddon, heap, nativeKernelStats, wasmKernel } from './common.js';

/*
 * A training step's bookkeeping in one native pass each (native/optimizer_update.cc), for the wasm backend: Adam's
 * update of a parameter and the finiteness check of the gradients and weights. They replace no wasm kernel: the
 * optimizer and fit call them where they are registered, for float32, and run tfjs ops elsewhere.
 */

/** Whether the addon has adamUpdate (older builds do not). */
export function hasAdamUpdate(addon: NativeAddon): boolean {
  return typeof addon.adamUpdate === 'function';
}

/** Whether the addon has allFinite (older builds do not). */
export function hasAllFinite(addon: NativeAddon): boolean {
  return typeof addon.allFinite === 'function';
}

/** p, g, m, v -> p', m', v'. */
export const adamUpdateConfig: KernelConfig = wasmKernel<AdamUpdateAttrs>(ADAM_UPDATE_KERNEL, ({ inputs, backend, attrs }) => {
  const { p, g, m, v } = inputs as Record<'p' | 'g' | 'm' | 'v', TensorInfo>;
  if ([p, g, m, v].some((t) => t.dtype !== 'float32')) throw new Error(`${ADAM_UPDATE_KERNEL}: p, g, m and v must be float32`);
  if ([g, m, v].some((t) => !util.arraysEqual(t.shape, p.shape))) throw new Error(`${ADAM_UPDATE_KERNEL}: p, g, m and v must have one shape`);
  const addon = activeAddon();
  if (addon?.adamUpdate === undefined) throw new Error('the native Adam update ran with no addon that has it');
  nativeKernelStats.native++;
  const outputs = [p, m, v].map(() => backend.makeOutput([...p.shape], 'float32'));
  const { beta1, beta2, step, c2, epsilon, l2, decoupled } = attrs;
  // As float32, the way tfjs would make each a scalar tensor.
  const hyper = Float32Array.of(beta1, 1 - beta1, beta2, 1 - beta2, step, c2, epsilon, l2, decoupled);
  const h = (info: TensorInfo) => heap(backend, info);
  const [pOut, mOut, vOut] = outputs as [TensorInfo, TensorInfo, TensorInfo];
  addon.adamUpdate(h(p), h(g), h(m), h(v), h(pOut), h(mOut), h(vOut), [util.sizeFromShape(p.shape)], hyper);
  return outputs;
});

/** x0, x1, ... -> 1 when every value is finite, else 0. */
export const allFiniteConfig: KernelConfig = wasmKernel<Record<string, never>>(ALL_FINITE_KERNEL, ({ inputs, backend }) => {
  const tensors = Object.values(inputs) as TensorInfo[];
  if (tensors.some((t) => t.dtype !== 'float32')) throw new Error(`${ALL_FINITE_KERNEL}: every input must be float32`);
  const addon = activeAddon();
  if (addon?.allFinite === undefined) throw new Error('the native finiteness check ran with no addon that has it');
  nativeKernelStats.native++;
  const out = backend.makeOutput([], 'float32');
  addon.allFinite(
    tensors.map((t) => heap(backend, t)),
    heap(backend, out),
  );
  return out;
});
