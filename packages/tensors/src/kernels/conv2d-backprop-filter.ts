import { Conv2DBackpropFilter, backend_util, util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convolve, release, reverse, transpose } from './wasm-ops.js';

/**
 * The filter gradient of a conv2d, computed as one forward convolution (XNNPACK):
 * dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*s + kh - padTop, ow*s + kw - padLeft, ci] * dy[n, oh, ow, co].
 * With x as a batch of Ci images of N channels ([Ci, H, W, N]) and dy as an OH x OW filter ([OH, OW, N, Co]), that is
 * a convolution with stride 1 (the forward dilation) and dilation s (the forward stride) whose KH x KW output, moved
 * back to [KH, KW, Ci, Co], is dW. Costs two transposes plus the same multiply-adds as the forward conv.
 *
 * XNNPACK repacks a convolution's filter on every call, which is costly when that filter is a large dy (a first layer:
 * few input channels, many output channels). At stride 1 the roles can swap: dy as Co images of N channels convolved
 * with x as an H x W filter gives dW flipped in (kh, kw).
 */
function conv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  const channelsLast = info.dataFormat === 'channelsLast';
  const unitStride = info.strideHeight === 1 && info.strideWidth === 1;
  if (unitStride && util.sizeFromShape(x.shape) * filterGradientTuning.swapWhenDyExceedsX < util.sizeFromShape(dy.shape)) {
    const images = transpose(backend, dy, channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0]);
    const kernel = transpose(backend, x, channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1]);
    const rows = { stride: 1, dilation: 1, pad: info.filterHeight - 1 - info.padInfo.top, out: info.filterHeight };
    const cols = { stride: 1, dilation: 1, pad: info.filterWidth - 1 - info.padInfo.left, out: info.filterWidth };
    const flipped = convolve(backend, images, kernel, rows, cols);
    const grad = reverse(backend, flipped, [1, 2]);
    const out = transpose(backend, grad, [1, 2, 3, 0]);
    release(backend, images, kernel, flipped, grad);
    return out;
  }
  const images = transpose(backend, x, channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0]);
  const kernel = transpose(backend, dy, channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1]);
  const rows = { stride: info.dilationHeight, dilation: info.strideHeight, pad: info.padInfo.top, out: info.filterHeight };
  const cols = { stride: info.dilationWidth, dilation: info.strideWidth, pad: info.padInfo.left, out: info.filterWidth };
  const grad = convolve(backend, images, kernel, rows, cols);
  const out = transpose(backend, grad, [1, 2, 0, 3]);
  release(backend, images, kernel, grad);
  return out;
}

/**
 * At stride 1, swap roles (x becomes the filter) when dy is this many times larger than x; mutable for tests
 * (0: always swap at stride 1; Infinity: never). Not part of the package API.
 */
export const filterGradientTuning = { swapWhenDyExceedsX: 2 };

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
