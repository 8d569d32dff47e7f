import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon.js';
import { fusedBatchNormConfig } from './batch-norm.js';
import { addConfig, multiplyConfig, realDivConfig, squaredDifferenceConfig, subConfig } from './binary.js';
import { activeAddon, replacedKernels, setActiveAddon } from './common.js';
import { conv2dBackpropFilterConfig, conv2dBackpropInputConfig, conv2dConfig, fusedConv2dConfig } from './conv2d.js';
import { batchMatMulConfig, fusedMatMulConfig } from './matmul.js';
import { meanConfig, sumConfig } from './reduce.js';

export { convParams } from './conv2d.js';
export { elementwiseTuning, nativeKernelStats } from './common.js';

/**
 * The wasm kernels the oneDNN addon takes over, one config per kernel (conv2d.ts, matmul.ts, reduce.ts, binary.ts,
 * batch-norm.ts; what they share is in common.ts). Each falls back to the kernel it replaced where the addon cannot
 * serve a case.
 */
export const nativeKernels: readonly KernelConfig[] = [
  conv2dConfig,
  fusedConv2dConfig,
  conv2dBackpropInputConfig,
  conv2dBackpropFilterConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  sumConfig,
  meanConfig,
  addConfig,
  subConfig,
  multiplyConfig,
  realDivConfig,
  squaredDifferenceConfig,
  fusedBatchNormConfig,
];

/** The kernels the addon takes over on the wasm backend. */
export const NATIVE_KERNEL_NAMES: readonly string[] = nativeKernels.map((config) => config.kernelName);

/**
 * Puts the addon's kernels in place of the wasm backend's (remembering those for fallbacks and for
 * {@link disableNativeKernels}). Call after the wasm backend and selfsup's wasm kernels are registered. Idempotent.
 */
export function enableNativeKernels(addon: NativeAddon): void {
  if (activeAddon() === addon) return;
  if (activeAddon() !== undefined) disableNativeKernels();
  for (const config of nativeKernels) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current === undefined) throw new Error(`the wasm backend has no "${config.kernelName}" kernel to accelerate`);
    replacedKernels.set(config.kernelName, current);
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  setActiveAddon(addon);
}

/** Restores the wasm kernels the addon replaced. */
export function disableNativeKernels(): void {
  if (activeAddon() === undefined) return;
  for (const [name, config] of replacedKernels) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
  replacedKernels.clear();
  setActiveAddon(undefined);
}

/** Whether the native kernels are registered now. */
export function nativeKernelsActive(): boolean {
  return activeAddon() !== undefined;
}
