import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilterConfig } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInputConfig } from './depthwise-conv2d-backprop-input.js';
import { identityConfig } from './identity.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import { rememberStockKernel } from './wasm-ops.js';

/**
 * Kernels selfsup adds to the wasm backend (which cannot train conv nets without them) or replaces in it
 * (Conv2DBackpropInput, ~8x slower than the forward conv in stock wasm; Identity, which copies where it can share).
 * Each composes wasm's own XNNPACK kernels.
 */
export const wasmKernels: readonly KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseConv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
  identityConfig,
  unsortedSegmentSumConfig,
];

let registered = false;

/** Registers selfsup's wasm kernels. Idempotent; called by initBackend, never on import. */
export function registerWasmKernels(): void {
  if (registered) return;
  for (const config of wasmKernels) {
    const stock = tf.getKernel(config.kernelName, config.backendName);
    if (stock !== undefined) {
      rememberStockKernel(stock);
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
  }
  registered = true;
}
