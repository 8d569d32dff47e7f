import { DepthwiseConv2dNativeBackpropFilter, backend_util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { DepthwiseConv2dNativeBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convolve, release, reshape, sum, transpose } from './wasm-ops.js';

/**
 * The filter gradient of a depthwise conv2d, which stock wasm lacks, as one depthwise XNNPACK convolution:
 * dW[kh, kw, c, m] = sum_{n, oh, ow} x[n, oh*s + kh*d - padTop, ow*s + kw*d - padLeft, c] * dy[n, oh, ow, c*M + m].
 * x becomes one image with C*N channels ([1, H, W, C*N], channel c*N + n) and dy an OH x OW depthwise filter
 * ([OH, OW, C*N, M]); convolving at stride d and dilation s gives [1, KH, KW, C*N*M], and summing over n gives dW.
 * Every multiply-add is one the gradient needs (no cross-channel waste).
 */
function depthwiseConv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize: n, inHeight, inWidth, inChannels: c, outHeight, outWidth, filterHeight, filterWidth } = info;
  const m = filterShape[3];
  const xT = transpose(backend, x, [1, 2, 3, 0]);
  const image = reshape(backend, xT, [1, inHeight, inWidth, c * n]);
  const dySplit = reshape(backend, dy, [n, outHeight, outWidth, c, m]);
  const dyT = transpose(backend, dySplit, [1, 2, 3, 0, 4]);
  const kernel = reshape(backend, dyT, [outHeight, outWidth, c * n, m]);
  const rows = { stride: info.dilationHeight, dilation: info.strideHeight, pad: info.padInfo.top, out: filterHeight };
  const cols = { stride: info.dilationWidth, dilation: info.strideWidth, pad: info.padInfo.left, out: filterWidth };
  const grad = convolve(backend, image, kernel, rows, cols, true);
  const perImage = reshape(backend, grad, [filterHeight, filterWidth, c, n, m]);
  const out = sum(backend, perImage, [3]);
  release(backend, xT, image, dySplit, dyT, kernel, grad, perImage);
  return out;
}

export const depthwiseConv2dBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropFilter as unknown as KernelFunc,
};
