import { DepthwiseConv2dNativeBackpropInput, backend_util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { DepthwiseConv2dNativeBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { dilatedInputGradient, inputGradientGeometry, phasedInputGradient } from './input-gradient.js';

/**
 * The input gradient of a depthwise conv2d, which stock wasm lacks: depthwise XNNPACK convolutions of dy with the
 * flipped filter, by sub-pixel phases (see {@link phasedInputGradient}) or, for a dilated filter, over a zero-inserted
 * dy; a channel multiplier M > 1 runs the C*M channels depthwise and sums each group of M.
 */
function depthwiseConv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const geometry = inputGradientGeometry(info);
  if (info.dilationHeight === 1 && info.dilationWidth === 1) return phasedInputGradient(backend, dy, filter, geometry, true);
  return dilatedInputGradient(backend, dy, filter, geometry, true);
}

export const depthwiseConv2dBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropInput as unknown as KernelFunc,
};
