import { GatherV2, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { activeAddon, fallback, heap, nativeOutput, wasmKernel } from './common.js';

type Attrs = { axis: number; batchDims: number };

/**
 * GatherV2 with batchDims 0 on float32 data, as row copies (native/gather.cc); other cases, and addons built before
 * it, go to the wasm kernel. Indices out of range are an error, as in tfjs, found before anything is allocated.
 */
export const gatherConfig: KernelConfig = wasmKernel<Attrs>(GatherV2, (args) => {
  const { backend, attrs } = args;
  const x = args.inputs['x'] as TensorInfo;
  const indices = args.inputs['indices'] as TensorInfo;
  if (activeAddon()?.gather === undefined || attrs.batchDims !== 0 || x.dtype !== 'float32' || indices.dtype !== 'int32') return fallback(GatherV2, args);
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0] as number;
  const dim = x.shape[axis] as number;
  const values = backend.typedArrayFromHeap(indices) as Int32Array;
  for (const index of values) {
    if (index < 0 || index >= dim) throw new Error(`GatherV2: the index value ${index} is not in [0, ${dim - 1}]`);
  }
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const { out, addon } = nativeOutput(backend, outShape);
  const params = [util.sizeFromShape(x.shape.slice(0, axis)), dim, util.sizeFromShape(x.shape.slice(axis + 1)), values.length];
  // Views taken after the allocation, which may move the heap.
  addon.gather!(heap(backend, x), backend.typedArrayFromHeap(indices) as Int32Array, heap(backend, out), params);
  return out;
});
