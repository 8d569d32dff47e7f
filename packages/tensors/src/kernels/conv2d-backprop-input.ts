import { Conv2DBackpropInput, backend_util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { inputGradientGeometry, phasedInputGradient } from './input-gradient.js';
import { callKernel, release, stockKernel, transpose } from './wasm-ops.js';

/**
 * The input gradient of a conv2d (and the forward op of conv2dTranspose), replacing the stock wasm kernel, a direct
 * loop about 8x slower than the forward conv: the sub-pixel decomposition of {@link phasedInputGradient} runs it as
 * strideH x strideW small XNNPACK convolutions. NCHW data is transposed to NHWC and back.
 */
function conv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  if (useStock(info)) return callKernel(Conv2DBackpropInput, backend, { dy, filter }, attrs, true);
  const channelsLast = info.dataFormat === 'channelsLast';
  const dyNhwc = channelsLast ? dy : transpose(backend, dy, [0, 2, 3, 1]);
  const geometry = inputGradientGeometry(info);
  const dx = phasedInputGradient(backend, dyNhwc, filter, geometry, false);
  if (channelsLast) return dx;
  const dxNchw = transpose(backend, dx, [0, 3, 1, 2]);
  release(backend, dyNhwc, dx);
  return dxNchw;
}

/**
 * The stock loop wins only on tiny problems, where the ~0.05-0.1 ms each phase's XNNPACK operator costs to set up
 * dominates: measured on 2 cores (bench/README.md), the break-even is near 60k multiply-adds per phase. Mutable for
 * tests (0: always phased; Infinity: always stock); not part of the package API.
 */
export const inputGradientTuning = { stockBelowMultiplyAddsPerPhase: 60_000 };

function useStock(info: backend_util.Conv2DInfo): boolean {
  if (stockKernel(Conv2DBackpropInput) === undefined) return false;
  const multiplyAdds =
    info.batchSize * info.outHeight * info.outWidth * info.outChannels * info.inChannels * info.filterHeight * info.filterWidth;
  return multiplyAdds < inputGradientTuning.stockBelowMultiplyAddsPerPhase * info.strideHeight * info.strideWidth;
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  // The stock kernel stays callable as a fallback; its setup binds its wasm function.
  setupFunc: (backend) => stockKernel(Conv2DBackpropInput)?.setupFunc?.(backend),
  kernelFunc: conv2dBackpropInput as unknown as KernelFunc,
};
