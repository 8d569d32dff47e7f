import { BatchMatMul, _FusedMatMul, backend_util, util } from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs, KernelConfig, TensorInfo, _FusedMatMulAttrs } from '@tensorflow/tfjs-core';
import { type NativeArgs, allFloat, fallback, heap, heapOrNull, nativeOutput, wasmKernel } from './common.js';

/** Shapes oneDNN's matmul takes: equal batch dimensions, or one side's batch of 1 broadcast. */
function matmulPlan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean) {
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(outerA);
  const batchB = util.sizeFromShape(outerB);
  const rankA = a.shape.length;
  const rankB = b.shape.length;
  const m = a.shape[transposeA ? rankA - 1 : rankA - 2] as number;
  const k = a.shape[transposeA ? rankA - 2 : rankA - 1] as number;
  const kB = b.shape[transposeB ? rankB - 1 : rankB - 2] as number;
  const n = b.shape[transposeB ? rankB - 2 : rankB - 1] as number;
  if (k !== kB) return undefined;
  const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (!sameOuter && batchA !== 1 && batchB !== 1) return undefined;
  const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
  if (batchA * batchB * m * n === 0 || k === 0) return undefined;
  return { params: [batchA, batchB, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0], shape: [...outer, m, n] };
}

/**
 * c = a @ b (+ bias, then relu, when fused) run natively, or by the kernel it replaced where `usable` is false or
 * oneDNN cannot take the shapes.
 */
function product(name: string, args: NativeArgs<BatchMatMulAttrs>, usable: boolean, bias?: TensorInfo, relu = false): TensorInfo {
  const { backend, attrs } = args;
  const a = args.inputs['a'] as TensorInfo;
  const b = args.inputs['b'] as TensorInfo;
  const plan = usable && allFloat(a, b, bias) ? matmulPlan(a, b, attrs.transposeA, attrs.transposeB) : undefined;
  const n = plan?.shape[plan.shape.length - 1];
  if (plan === undefined || (bias !== undefined && util.sizeFromShape(bias.shape) !== n)) return fallback(name, args);
  const { out, addon } = nativeOutput(backend, plan.shape);
  addon.matmul(heap(backend, a), heap(backend, b), heapOrNull(backend, bias), heap(backend, out), plan.params, relu);
  return out;
}

/** c = a @ b, batched. */
export const batchMatMulConfig: KernelConfig = wasmKernel<BatchMatMulAttrs>(BatchMatMul, (args) => product(BatchMatMul, args, true));

/** c = a @ b + bias, then relu or nothing (other activations fall back). */
export const fusedMatMulConfig: KernelConfig = wasmKernel<_FusedMatMulAttrs>(_FusedMatMul, (args) => {
  const { activation } = args.attrs;
  return product(_FusedMatMul, args, activation === 'linear' || activation === 'relu', args.inputs['bias'], activation === 'relu');
});
