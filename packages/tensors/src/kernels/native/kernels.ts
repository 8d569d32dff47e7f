import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon.js';
import { registerBatchNormTrainingGradients } from '../../ops/batch-norm-training.js';
import { restoreReluGradient, useReluGradKernel } from '../../ops/relu-gradient.js';
import { fusedBatchNormConfig } from './batch-norm.js';
import {
  batchNormReluTrainingConfig,
  batchNormReluTrainingGradConfig,
  batchNormTrainingConfig,
  batchNormTrainingGradConfig,
  hasBatchNormReluTraining,
  hasBatchNormTraining,
} from './batch-norm-training.js';
import { addConfig, multiplyConfig, realDivConfig, squaredDifferenceConfig, subConfig } from './binary.js';
import { activeAddon, replacedKernels, setActiveAddon } from './common.js';
import { conv2dBackpropFilterConfig, conv2dBackpropInputConfig, conv2dConfig, fusedConv2dConfig } from './conv2d.js';
import { gatherConfig } from './gather.js';
import { cropAndResizeConfig, mirrorPadConfig } from './image.js';
import { batchMatMulConfig, fusedMatMulConfig } from './matmul.js';
import { meanConfig, sumConfig } from './reduce.js';
import { adamUpdateConfig, allFiniteConfig, hasAdamUpdate, hasAllFinite } from './optimizer.js';
import { hasReluGrad, reluGradConfig } from './relu-grad.js';

export { convParams } from './conv2d.js';
export { elementwiseTuning, nativeKernelStats } from './common.js';

/**
 * The wasm kernels the oneDNN addon takes over, one config per kernel (conv2d.ts, matmul.ts, reduce.ts, binary.ts,
 * batch-norm.ts, gather.ts, image.ts; what they share is in common.ts). Each falls back to the kernel it replaced where the addon cannot
 * serve a case. The kernels it adds (batch-norm-training.ts, relu-grad.ts, optimizer.ts) are below.
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
  gatherConfig,
  cropAndResizeConfig,
  mirrorPadConfig,
];

/**
 * Kernels the addon adds to the wasm backend (selfsup ops' own kernel names, which stock wasm does not have), each
 * with the test that the loaded addon has its functions: an addon built before them still serves the others, and
 * the ops run as tfjs ops.
 */
const addedKernels: readonly { config: KernelConfig; available: (addon: NativeAddon) => boolean }[] = [
  { config: batchNormTrainingConfig, available: hasBatchNormTraining },
  { config: batchNormTrainingGradConfig, available: hasBatchNormTraining },
  { config: batchNormReluTrainingConfig, available: hasBatchNormReluTraining },
  { config: batchNormReluTrainingGradConfig, available: hasBatchNormReluTraining },
  { config: reluGradConfig, available: hasReluGrad },
  { config: adamUpdateConfig, available: hasAdamUpdate },
  { config: allFiniteConfig, available: hasAllFinite },
];

/** The added kernels registered now (with the active addon). */
const added = new Set<string>();

/** The kernels the addon takes over or adds on the wasm backend, as far as it has them. */
export function nativeKernelNames(addon: NativeAddon): readonly string[] {
  return [...nativeKernels, ...addedKernels.filter((k) => k.available(addon)).map((k) => k.config)].map((config) => config.kernelName);
}

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
  for (const { config, available } of addedKernels) {
    if (!available(addon)) continue;
    tf.registerKernel(config);
    added.add(config.kernelName);
  }
  if (added.size > 0) registerBatchNormTrainingGradients();
  // tfjs has one gradient per op for every backend: the replacement calls the kernel only where it is registered.
  if (added.has(reluGradConfig.kernelName)) useReluGradKernel();
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
  for (const name of added) tf.unregisterKernel(name, 'wasm');
  added.clear();
  restoreReluGradient();
  setActiveAddon(undefined);
}

/** Whether the native kernels are registered now. */
export function nativeKernelsActive(): boolean {
  return activeAddon() !== undefined;
}
