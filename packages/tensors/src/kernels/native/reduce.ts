import { Mean, Sum, backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, MeanAttrs, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { fallback, heap, nativeOutput, wasmKernel } from './common.js';

/** Sum (or Mean) over a contiguous run of axes, as [outer, reduced, inner] -> [outer, inner]. */
function reduction(name: string, mean: boolean): KernelConfig {
  return wasmKernel<SumAttrs | MeanAttrs>(name, (args) => {
    const { backend, attrs } = args;
    const x = args.inputs['x'] as TensorInfo;
    const axes = util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
    const contiguous = axes.every((a, i) => i === 0 || a === (axes[i - 1] as number) + 1);
    if (x.dtype !== 'float32' || axes.length === 0 || !contiguous || util.sizeFromShape(x.shape) === 0) return fallback(name, args);
    const first = axes[0] as number;
    const last = axes[axes.length - 1] as number;
    const outer = util.sizeFromShape(x.shape.slice(0, first));
    const reduced = util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = util.sizeFromShape(x.shape.slice(last + 1));
    const outShape = x.shape.filter((_, i) => i < first || i > last);
    const shape = attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const { out, addon } = nativeOutput(backend, shape);
    addon.reduce(heap(backend, x), heap(backend, out), [outer, reduced, inner], mean ? 1 / reduced : 1);
    return out;
  });
}

export const sumConfig: KernelConfig = reduction(Sum, false);
export const meanConfig: KernelConfig = reduction(Mean, true);
