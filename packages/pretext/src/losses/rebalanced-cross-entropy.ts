import * as tf from '@tensorflow/tfjs-core';
import { assertOptions, assertShape, assertTensor, invalidArgument } from '@selfsup/tensors';

export interface RebalancedCrossEntropyOptions {
  /** [Q] class weights (see `rebalancingWeights`); each position weighs w[argmax of its target]. Default: all 1. */
  readonly classWeights?: tf.Tensor1D;
  /** [N] per-sample inclusion (1 = in the loss, 0 = left out, e.g. grey images). Default: all in. */
  readonly sampleMask?: tf.Tensor1D;
}

/**
 * Zhang, Isola & Efros's (2016, eq. 2) colorization loss: multinomial cross-entropy between predicted logits
 * [N, ..., Q] and soft targets [N, ..., Q] at every position, each position weighted by the rebalancing weight of its
 * target's most likely class, v(Z) = w[argmax_q Z_q]. Samples masked out contribute nothing; the sum is divided by the
 * number of positions of the included samples (0 when none is included).
 */
export function rebalancedCrossEntropy(logits: tf.Tensor, targets: tf.Tensor, options: RebalancedCrossEntropyOptions = {}): tf.Scalar {
  assertTensor('logits', logits);
  assertOptions('options', options);
  if (logits.rank < 2 || logits.dtype !== 'float32') invalidArgument('logits', 'a float32 tensor [N, ..., Q] of rank >= 2', logits);
  assertShape('targets', targets, logits.shape, { dtype: 'float32' });
  const n = logits.shape[0] as number;
  const q = logits.shape[logits.rank - 1] as number;
  if (options.classWeights !== undefined) assertShape('options.classWeights', options.classWeights, [q], { dtype: 'float32' });
  if (options.sampleMask !== undefined) assertShape('options.sampleMask', options.sampleMask, [n], { dtype: 'float32' });
  const positionsPerSample = logits.size / Math.max(1, n * q);
  return tf.tidy(() => {
    const flatLogits = tf.reshape(logits, [n, -1, q]);
    const flatTargets = tf.reshape(targets, [n, -1, q]);
    let perPosition = tf.neg(tf.sum(tf.mul(tf.logSoftmax(flatLogits), flatTargets), 2)); // [N, P]
    if (options.classWeights !== undefined) {
      const dominant = tf.argMax(flatTargets, 2);
      perPosition = tf.mul(perPosition, tf.gather(options.classWeights, dominant));
    }
    let perSample = tf.sum(perPosition, 1); // [N]
    let included: tf.Tensor = tf.scalar(n);
    if (options.sampleMask !== undefined) {
      perSample = tf.mul(perSample, options.sampleMask);
      included = tf.sum(options.sampleMask);
    }
    return tf.div(tf.sum(perSample), tf.maximum(tf.mul(included, positionsPerSample), 1)) as tf.Scalar;
  });
}
