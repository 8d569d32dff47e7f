import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { RELU_GRAD_KERNEL } from '../../ops/relu-gradient.js';
import type { NativeAddon } from './addon.js';
import { activeAddon, heap, nativeKernelStats, wasmKernel } from './common.js';

/*
 * ReLU's gradient in one native pass (native/relu_grad.cc), for the wasm backend. It replaces no wasm kernel: the
 * gradient of `Relu` (ops/relu-gradient.ts, registered with it) calls it where it is registered, for float32.
 */

/** Whether the addon has reluGrad (older builds do not). */
export function hasReluGrad(addon: NativeAddon): boolean {
  return typeof addon.reluGrad === 'function';
}

/** dy, x -> dx = dy where x > 0, else 0. */
export const reluGradConfig: KernelConfig = wasmKernel<Record<string, never>>(RELU_GRAD_KERNEL, ({ inputs, backend }) => {
  const { dy, x } = inputs as Record<'dy' | 'x', TensorInfo>;
  if (dy.dtype !== 'float32' || x.dtype !== 'float32') throw new Error(`${RELU_GRAD_KERNEL}: dy and x must be float32`);
  if (!util.arraysEqual(dy.shape, x.shape)) throw new Error(`${RELU_GRAD_KERNEL}: dy and x must have the same shape`);
  const addon = activeAddon();
  if (addon?.reluGrad === undefined) throw new Error('the native ReLU gradient ran with no addon that has it');
  nativeKernelStats.native++;
  const dx = backend.makeOutput([...x.shape], 'float32');
  addon.reluGrad(heap(backend, dy), heap(backend, x), heap(backend, dx), [util.sizeFromShape(x.shape)]);
  return dx;
});
