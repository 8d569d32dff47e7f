/**
 * Synchronised batch norm (`FitOptions.syncBatchNorm`): while `fit` runs a data-parallel step with it on, batch-norm
 * layers in training mode take their batch statistics over every rank's samples, not their own rank's, as PyTorch's
 * `SyncBatchNorm` does. The group is process-wide state (the layers are built before any run and have no other way to
 * see it), set around each step and cleared after; this module only holds it and the differentiable sum that the
 * statistics need.
 */
import * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '../errors.js';
import { type ProcessGroup, assertProcessGroup } from './process-group.js';

let active: ProcessGroup | undefined;

/** The group batch norm synchronises over during the current step, or undefined (per-rank statistics). */
export function syncBatchNormGroup(): ProcessGroup | undefined {
  return active;
}

/** Runs `work` with batch norm synchronised over `group` (`fit` does this for each step when asked). */
export async function withSyncBatchNorm<T>(group: ProcessGroup | undefined, work: () => Promise<T>): Promise<T> {
  if (group !== undefined) assertProcessGroup('group', group);
  if (typeof work !== 'function') invalidArgument('work', 'a function returning a promise (the step)', work);
  const previous = active;
  active = group !== undefined && group.worldSize > 1 ? group : undefined;
  try {
    return await work();
  } finally {
    active = previous;
  }
}

/**
 * The sum of `x` over the ranks, differentiable: every rank's output depends on every rank's input, so the gradient
 * of each input is the sum over the ranks of the output's gradient.
 */
export function allReduceWithGradient(group: ProcessGroup, x: tf.Tensor): tf.Tensor {
  assertProcessGroup('group', group);
  if (!(x instanceof tf.Tensor) || x.isDisposed || x.dtype !== 'float32') invalidArgument('x', 'a live float32 tensor', x);
  const sum = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: group.allReduce(args[0] as tf.Tensor, { op: 'sum' }),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [group.allReduce(Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy, { op: 'sum' })],
  }));
  return sum(x) as tf.Tensor;
}
