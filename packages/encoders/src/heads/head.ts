import type * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Module } from '@selfsup/tensors';
import { invalidArgument } from '@selfsup/tensors';

/**
 * A head (projector, predictor, expander, a pretext task's classifier): a module mapping [N, inputDim] to
 * [N, outputDim]. `projectionHead` and its presets build them; any object of this shape is one (contrastive and
 * pretext methods take this type).
 */
export interface Head extends Module {
  readonly outputDim: number;
  /** The input width, when the head fixes one. */
  readonly inputDim?: number;
  apply(x: tf.Tensor2D, options?: ApplyOptions): tf.Tensor2D;
}

/** Checks that `value` is a {@link Head} (and, given `inputDim`, one that takes that many inputs if it declares it). */
export function assertHead(name: string, value: unknown, inputDim?: number): asserts value is Head {
  const h = value as Head | undefined;
  if (typeof h !== 'object' || h === null || typeof h.apply !== 'function' || !Array.isArray(h.variables) || !Number.isInteger(h.outputDim)) {
    invalidArgument(name, 'a head (apply, variables, outputDim)', value);
  }
  const declared: unknown = h.inputDim;
  if (inputDim !== undefined && typeof declared === 'number' && declared !== inputDim) {
    invalidArgument(name, `a head taking ${inputDim} inputs`, `a head taking ${declared}`);
  }
}
