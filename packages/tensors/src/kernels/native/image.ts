import { CropAndResize, MirrorPad, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { activeAddon, fallback, heap, nativeOutput, wasmKernel } from './common.js';

/*
 * The view pipeline's image kernels (native/image.cc): CropAndResize with bilinear sampling and MirrorPad on float32
 * data. Nearest-neighbour crops, other dtypes and addons built before these functions go to the wasm kernels.
 */

type CropAttrs = { method: 'bilinear' | 'nearest'; extrapolationValue: number; cropSize: [number, number] };

/** image [batch, height, width, channels], boxes [n, 4], boxInd [n] -> [n, cropHeight, cropWidth, channels]. */
export const cropAndResizeConfig: KernelConfig = wasmKernel<CropAttrs>(CropAndResize, (args) => {
  const { backend, attrs } = args;
  const image = args.inputs['image'] as TensorInfo;
  const boxes = args.inputs['boxes'] as TensorInfo;
  const boxInd = args.inputs['boxInd'] as TensorInfo;
  const usable = activeAddon()?.cropAndResize !== undefined && attrs.method === 'bilinear' && image.dtype === 'float32' && boxes.dtype === 'float32';
  if (!usable || boxInd.dtype !== 'int32' || image.shape.length !== 4) return fallback(CropAndResize, args);
  const [batch, height, width, channels] = image.shape as [number, number, number, number];
  const count = boxes.shape[0] as number;
  const [cropHeight, cropWidth] = attrs.cropSize;
  const { out, addon } = nativeOutput(backend, [count, cropHeight, cropWidth, channels]);
  if (util.sizeFromShape([count, cropHeight, cropWidth, channels]) === 0) return out;
  const indices = backend.typedArrayFromHeap(boxInd) as Int32Array;
  const params = [batch, height, width, channels, count, cropHeight, cropWidth];
  addon.cropAndResize!(heap(backend, image), heap(backend, boxes), indices, heap(backend, out), params, attrs.extrapolationValue);
  return out;
});

type PadAttrs = { paddings: [number, number][]; mode: 'reflect' | 'symmetric' };

/** x -> x padded on every axis by mirroring (reflect: without the edge; symmetric: with it). */
export const mirrorPadConfig: KernelConfig = wasmKernel<PadAttrs>(MirrorPad, (args) => {
  const { backend, attrs } = args;
  const x = args.inputs['x'] as TensorInfo;
  if (activeAddon()?.mirrorPad === undefined || x.dtype !== 'float32' || x.shape.length === 0) return fallback(MirrorPad, args);
  const before = attrs.paddings.map((p) => p[0]);
  const after = attrs.paddings.map((p) => p[1]);
  const outShape = x.shape.map((n, d) => n + (before[d] as number) + (after[d] as number));
  const { out, addon } = nativeOutput(backend, outShape);
  if (util.sizeFromShape(outShape) === 0) return out;
  addon.mirrorPad!(heap(backend, x), heap(backend, out), [...x.shape], before, after, attrs.mode === 'symmetric');
  return out;
});
