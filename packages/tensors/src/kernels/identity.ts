import { Identity } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callKernel } from './wasm-ops.js';

/**
 * Identity that shares x's buffer (counting one more reference) instead of copying it, as the cpu and webgl backends'
 * Identity and wasm's own Reshape do: tfjs never writes into a tensor's buffer after it is made. Stock wasm copies,
 * and tfjs-core runs Identity for every tensor it saves for a gradient (`engine.clone`), so a training step copied each
 * saved activation once (~60 copies per SimCLR step of the convNet, ~10% of its time). Strings go to the stock kernel.
 */
export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend }: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo => {
    const { x } = inputs;
    if (x.dtype === 'string') return callKernel(Identity, backend, { x }, {}, true);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }) as unknown as KernelFunc,
};
