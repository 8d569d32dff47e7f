import { FusedBatchNorm, util } from '@tensorflow/tfjs-core';
import type { FusedBatchNormAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { elementwiseTuning, fallback, heap, heapOrNull, nativeOutput, wasmKernel } from './common.js';

/** y = (x - mean) / sqrt(variance + epsilon) * scale + offset over the last axis (per-channel statistics). */
export const fusedBatchNormConfig: KernelConfig = wasmKernel<FusedBatchNormAttrs>(FusedBatchNorm, (args) => {
  const { backend, attrs } = args;
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>;
  if (x === undefined || mean === undefined || variance === undefined) return fallback(FusedBatchNorm, args);
  const channels = x.shape[x.shape.length - 1] as number;
  const perChannel = (t: TensorInfo | undefined) => t === undefined || (t.dtype === 'float32' && util.sizeFromShape(t.shape) === channels && t.shape[t.shape.length - 1] === channels);
  const size = util.sizeFromShape(x.shape);
  if (x.dtype !== 'float32' || size < elementwiseTuning.minElements || ![mean, variance, offset, scale].every(perChannel)) return fallback(FusedBatchNorm, args);
  const { out, addon } = nativeOutput(backend, x.shape);
  addon.batchNorm(
    heap(backend, x),
    heap(backend, mean),
    heap(backend, variance),
    heapOrNull(backend, offset),
    heapOrNull(backend, scale),
    heap(backend, out),
    [size / channels, channels],
    attrs.varianceEpsilon,
  );
  return out;
});
