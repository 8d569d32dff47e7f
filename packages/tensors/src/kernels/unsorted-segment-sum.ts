import { UnsortedSegmentSum, util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { SelfsupError } from '../errors.js';
import { zeros } from './wasm-ops.js';

/**
 * out[s, ...] = sum of x[i, ...] over the i whose segment id is s (the gradient of tf.gather, e.g. of an embedding
 * lookup), which stock wasm lacks. One pass over x on the wasm heap; ids outside [0, numSegments) are dropped, as in
 * TensorFlow. The output keeps x's dtype (float32 or int32).
 */
function unsortedSegmentSum(args: {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  backend: BackendWasm;
  attrs: UnsortedSegmentSumAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new SelfsupError('UNSUPPORTED', `unsortedSegmentSum on wasm takes float32 or int32 data; got ${x.dtype}`);
  }
  const idCount = util.sizeFromShape(segmentIds.shape);
  const inner = idCount === 0 ? 0 : util.sizeFromShape(x.shape) / idCount;
  const out = zeros(backend, [numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  // Views taken after the last allocation: growing the heap detaches earlier ones.
  const outValues = backend.typedArrayFromHeap(out);
  const values = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < idCount; i++) {
    const id = ids[i] as number;
    if (!(id >= 0 && id < numSegments)) continue;
    const from = i * inner;
    const to = id * inner;
    for (let j = 0; j < inner; j++) outValues[to + j] = (outValues[to + j] as number) + (values[from + j] as number);
  }
  return out;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
