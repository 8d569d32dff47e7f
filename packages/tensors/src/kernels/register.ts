import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';

/** Kernels selfsup adds to (or replaces in) the wasm backend; filled in by the kernel modules. */
export const wasmKernels: readonly KernelConfig[] = [];

let registered = false;

/** Registers selfsup's wasm kernels. Idempotent; called by initBackend, never on import. */
export function registerWasmKernels(): void {
  if (registered) return;
  for (const config of wasmKernels) {
    if (tf.getKernel(config.kernelName, config.backendName) !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  registered = true;
}
