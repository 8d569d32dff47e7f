import { Add, Multiply, RealDiv, SquaredDifference, Sub, backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { elementwiseTuning, fallback, heap, nativeOutput, wasmKernel } from './common.js';

/** Where an operand sits in [outer, inner]: 0 full, 1 one row broadcast along outer, 2 a scalar; undefined: other. */
function operandMode(shape: number[], outShape: number[], inner: number): number | undefined {
  const size = util.sizeFromShape(shape);
  if (size === util.sizeFromShape(outShape) && util.arraysEqual(shape, outShape)) return 0;
  if (size === 1) return 2;
  if (size === inner && shape[shape.length - 1] === inner) return 1;
  return undefined;
}

/** out = a op b, with the addon's op code (0 add, 1 sub, 2 mul, 3 div, 4 squared difference). */
function binary(name: string, op: number): KernelConfig {
  return wasmKernel<unknown>(name, (args) => {
    const { backend } = args;
    const a = args.inputs['a'] as TensorInfo;
    const b = args.inputs['b'] as TensorInfo;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(name, args);
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const size = util.sizeFromShape(outShape);
    const inner = outShape.length === 0 ? 1 : (outShape[outShape.length - 1] as number);
    const aMode = operandMode(a.shape, outShape, inner);
    const bMode = operandMode(b.shape, outShape, inner);
    // Small tensors stay in wasm: there the call costs more than the arithmetic.
    if (size < elementwiseTuning.minElements || aMode === undefined || bMode === undefined) return fallback(name, args);
    const { out, addon } = nativeOutput(backend, outShape);
    addon.binary(op, heap(backend, a), heap(backend, b), heap(backend, out), [size / inner, inner, aMode, bMode]);
    return out;
  });
}

export const addConfig: KernelConfig = binary(Add, 0);
export const subConfig: KernelConfig = binary(Sub, 1);
export const multiplyConfig: KernelConfig = binary(Multiply, 2);
export const realDivConfig: KernelConfig = binary(RealDiv, 3);
export const squaredDifferenceConfig: KernelConfig = binary(SquaredDifference, 4);
