import * as tf from '@tensorflow/tfjs-core';
import { type ProcessGroup, assertNonNegative, assertOptions, assertPositive } from '@selfsup/tensors';
import { batchCount, batchSum } from '../ops/batch-sums.js';
import { assertPairedEmbeddings } from '../ops/checks.js';

export interface BarlowTwinsOptions {
  /** Weight of the redundancy-reduction (off-diagonal) term. Default 0.0051 (the official implementation's default). */
  readonly lambda?: number;
  /** Added to the batch variance before the square root (BatchNorm1d's eps). Default 1e-5. */
  readonly epsilon?: number;
  /**
   * Data-parallel training (`StepContext.processGroup`): the standardisation and the cross-correlation matrix are
   * taken over every rank's samples (the official implementation all-reduces c), so each rank's loss is the
   * single-process loss on the concatenated batch.
   */
  readonly processGroup?: ProcessGroup;
}

/** Standardises each column over the batch: (z - mean) / sqrt(var + eps), var the biased batch variance. */
/** (z - mean) / sqrt(biased variance + epsilon), per dimension over the whole batch (every rank's with a group). */
function standardize(z: tf.Tensor2D, epsilon: number, group: ProcessGroup | undefined): tf.Tensor2D {
  const count = batchCount(z.shape[0], group);
  const centered = tf.sub(z, tf.div(batchSum(z, 0, group), count));
  const variance = tf.div(batchSum(tf.square(centered), 0, group), count);
  return tf.div(centered, tf.sqrt(tf.add(variance, epsilon)));
}

/**
 * Barlow Twins (Zbontar et al. 2021, "Barlow Twins: Self-Supervised Learning via Redundancy Reduction", eq. 1-2):
 * C = z1n^T z2n / N, the cross-correlation of the batch-standardised embeddings, and
 *   L = sum_i (1 - C_ii)^2 + lambda * sum_i sum_{j != i} C_ij^2.
 * Standardisation follows the official code (BatchNorm1d without affine parameters: biased variance, eps 1e-5).
 *
 * @param z1 [N, D] first views' projections (N >= 2).
 * @param z2 [N, D] second views' projections.
 */
export function barlowTwinsLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, options: BarlowTwinsOptions = {}): tf.Scalar {
  assertOptions('options', options);
  assertPairedEmbeddings('z1', z1, 'z2', z2, 2);
  const lambda = options.lambda ?? 0.0051;
  assertNonNegative('options.lambda', lambda);
  const epsilon = options.epsilon ?? 1e-5;
  assertPositive('options.epsilon', epsilon);
  const d = z1.shape[1];
  const group = options.processGroup;
  const n = batchCount(z1.shape[0], group);
  return tf.tidy(() => {
    // [D, D]: sum over the batch of outer products, a matMul per rank, summed over the ranks.
    const local = tf.matMul(standardize(z1, epsilon, group), standardize(z2, epsilon, group), true, false);
    const c = tf.div(group !== undefined && group.worldSize > 1 ? batchSum(tf.expandDims(local, 0), 0, group) : local, n);
    const eye = tf.eye(d);
    const onDiagonal = tf.sum(tf.square(tf.sub(tf.sum(tf.mul(c, eye), 1), 1)));
    const offDiagonal = tf.sum(tf.square(tf.mul(c, tf.sub(1, eye))));
    return tf.add(onDiagonal, tf.mul(offDiagonal, lambda)) as tf.Scalar;
  });
}
