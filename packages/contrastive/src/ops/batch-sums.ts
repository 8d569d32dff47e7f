import * as tf from '@tensorflow/tfjs-core';
import { type ProcessGroup, allReduceWithGradient } from '@selfsup/tensors';

/**
 * Sums over the samples of the whole data-parallel batch: `tf.sum(x, axis)` here, then summed over the ranks with its
 * gradient when a group of several ranks is given. Batch statistics (means, variances, cross-correlations) built from
 * these sums are those of one process holding every rank's samples, and every rank computes the same loss from them.
 * Each rank's gradient then carries the factor worldSize that fit's averaging over the ranks takes away again.
 */
export function batchSum(x: tf.Tensor, axis: number | number[], group: ProcessGroup | undefined): tf.Tensor {
  const local = tf.sum(x, axis);
  return group !== undefined && group.worldSize > 1 ? allReduceWithGradient(group, local) : local;
}

/** The number of samples of the whole batch: `n` per rank times the ranks. */
export function batchCount(n: number, group: ProcessGroup | undefined): number {
  return n * (group?.worldSize ?? 1);
}
