import { Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, FusedConv2D, backend_util, util } from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, FusedConv2DAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon.js';
import { type NativeArgs, allFloat, fallback, heap, heapOrNull, nativeOutput, wasmKernel } from './common.js';

/**
 * oneDNN's params for a conv2d, or undefined where its output-size formula cannot match tfjs's: oneDNN computes
 * OH = (H + padTop + padBottom - effectiveKernel) / stride + 1 (floored), so the bottom/right pad is set to what gives
 * tfjs's OH (reads past the input are zeros either way); a negative one is only allowed where 0 still gives OH.
 */
export function convParams(info: backend_util.Conv2DInfo): number[] | undefined {
  const { batchSize, inHeight, inWidth, inChannels, filterHeight, filterWidth, outChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const after = (size: number, out: number, stride: number, effective: number, before: number): number | undefined => {
    const needed = (out - 1) * stride + effective - size - before;
    if (needed >= 0) return needed;
    return Math.floor((size - effective + before) / stride) + 1 === out ? 0 : undefined;
  };
  if (padInfo.top < 0 || padInfo.left < 0) return undefined;
  const bottom = after(inHeight, outHeight, strideHeight, info.effectiveFilterHeight, padInfo.top);
  const right = after(inWidth, outWidth, strideWidth, info.effectiveFilterWidth, padInfo.left);
  if (bottom === undefined || right === undefined) return undefined;
  return [
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    filterHeight,
    filterWidth,
    outChannels,
    outHeight,
    outWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padInfo.top,
    padInfo.left,
    bottom,
    right,
  ];
}

type Shape4 = [number, number, number, number];

/** tfjs's conv geometry for an NHWC input and an HWIO filter, from a conv kernel's attributes. */
function convInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Pick<Conv2DAttrs, 'strides' | 'pad' | 'dimRoundingMode'>,
  dilations: Conv2DAttrs['dilations'],
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo([...xShape] as Shape4, [...filterShape] as Shape4, attrs.strides, dilations, attrs.pad, attrs.dimRoundingMode);
}

/** The geometry and oneDNN params of a backward conv whose forward output is `dy`, or undefined where they disagree. */
function backwardPlan(xShape: readonly number[], filterShape: readonly number[], dy: TensorInfo, attrs: Pick<Conv2DAttrs, 'strides' | 'pad' | 'dimRoundingMode'>) {
  const info = convInfo(xShape, filterShape, attrs, 1);
  const params = convParams(info);
  if (params === undefined || info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) return undefined;
  return params;
}

/**
 * A forward conv of inputs x and filter (+ bias, then relu, when fused) run natively, or by the kernel it replaced
 * where `usable` is false or oneDNN cannot express it.
 */
function forward(name: string, args: NativeArgs<Conv2DAttrs>, usable: boolean, bias?: TensorInfo, relu = false): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs['x'] as TensorInfo;
  const filter = args.inputs['filter'] as TensorInfo;
  if (!usable || attrs.dataFormat === 'NCHW' || !allFloat(x, filter, bias)) return fallback(name, args);
  const info = convInfo(x.shape, filter.shape, attrs, attrs.dilations);
  const params = convParams(info);
  if (params === undefined) return fallback(name, args);
  const { out, addon } = nativeOutput(backend, info.outShape);
  if (util.sizeFromShape(info.outShape) > 0) addon.conv2d(heap(backend, x), heap(backend, filter), heapOrNull(backend, bias), heap(backend, out), params, relu);
  return out;
}

/**
 * A conv gradient of shape `outShape` from two operands (dy and the other input), computed natively by `compute`
 * (zeros when an operand is empty), or by the kernel it replaced.
 */
function backward(
  name: string,
  args: NativeArgs<Conv2DBackpropInputAttrs | Conv2DBackpropFilterAttrs>,
  geometry: { readonly xShape: readonly number[]; readonly filterShape: readonly number[]; readonly outShape: readonly number[] },
  operands: readonly [TensorInfo, TensorInfo],
  compute: (addon: NativeAddon, first: Float32Array, second: Float32Array, out: Float32Array, params: number[]) => void,
): TensorInfo {
  const { backend, attrs } = args;
  const dy = args.inputs['dy'] as TensorInfo;
  const [first, second] = operands;
  if (attrs.dataFormat === 'NCHW' || !allFloat(first, second)) return fallback(name, args);
  const params = backwardPlan(geometry.xShape, geometry.filterShape, dy, attrs);
  if (params === undefined) return fallback(name, args);
  const { out, addon } = nativeOutput(backend, geometry.outShape);
  const result = heap(backend, out);
  if (util.sizeFromShape(first.shape) === 0 || util.sizeFromShape(second.shape) === 0) result.fill(0);
  else if (result.length > 0) compute(addon, heap(backend, first), heap(backend, second), result, params);
  return out;
}

/** y = conv(x, filter) (NHWC, HWIO). */
export const conv2dConfig: KernelConfig = wasmKernel<Conv2DAttrs>(Conv2D, (args) => forward(Conv2D, args, true));

/** y = conv(x, filter) + bias, then relu or nothing (other activations fall back). */
export const fusedConv2dConfig: KernelConfig = wasmKernel<FusedConv2DAttrs>(FusedConv2D, (args) => {
  const filter = args.inputs['filter'] as TensorInfo;
  const bias = args.inputs['bias'];
  const { activation } = args.attrs;
  const usable = (activation === 'linear' || activation === 'relu') && (bias === undefined || util.sizeFromShape(bias.shape) === filter.shape[3]);
  return forward(FusedConv2D, args, usable, bias, activation === 'relu');
});

/** dx of a conv2d from dy and the filter. */
export const conv2dBackpropInputConfig: KernelConfig = wasmKernel<Conv2DBackpropInputAttrs>(Conv2DBackpropInput, (args) => {
  const dy = args.inputs['dy'] as TensorInfo;
  const filter = args.inputs['filter'] as TensorInfo;
  const geometry = { xShape: args.attrs.inputShape, filterShape: filter.shape, outShape: args.attrs.inputShape };
  return backward(Conv2DBackpropInput, args, geometry, [dy, filter], (addon, dyData, w, dx, params) => addon.conv2dBackwardData(dyData, w, dx, params));
});

/** dW of a conv2d from x and dy. */
export const conv2dBackpropFilterConfig: KernelConfig = wasmKernel<Conv2DBackpropFilterAttrs>(Conv2DBackpropFilter, (args) => {
  const x = args.inputs['x'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  const geometry = { xShape: x.shape, filterShape: args.attrs.filterShape, outShape: args.attrs.filterShape };
  return backward(Conv2DBackpropFilter, args, geometry, [x, dy], (addon, xData, dyData, dw, params) => addon.conv2dBackwardFilter(xData, dyData, dw, params));
});
