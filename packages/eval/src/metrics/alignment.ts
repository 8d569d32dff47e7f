import * as tf from '@tensorflow/tfjs-core';
import { assertOptions, assertPositive, assertRank, assertSameShape, invalidArgument, l2Normalize } from '@selfsup/tensors';

export interface AlignmentOptions {
  /** Exponent alpha of the distance. Default 2 (as Wang & Isola's experiments). */
  readonly alpha?: number;
  /** L2-normalise the rows first (the metric is defined on the unit hypersphere). Default true. */
  readonly normalize?: boolean;
}

/**
 * Alignment (Wang & Isola 2020): E ||f(x) - f(y)||_2^alpha over positive pairs, rows i of `z1` and `z2` being two
 * views of one sample. Lower is better (0: views map to the same point). Returns a JS number.
 */
export function alignment(z1: tf.Tensor2D, z2: tf.Tensor2D, options: AlignmentOptions = {}): number {
  assertRank('z1', z1, 2);
  assertRank('z2', z2, 2);
  assertSameShape('z1', z1, 'z2', z2);
  assertOptions('options', options);
  const alpha = options.alpha ?? 2;
  assertPositive('options.alpha', alpha);
  if (z1.shape[0] === 0) invalidArgument('z1', 'a tensor with at least one row', z1);
  const normalize = options.normalize ?? true;
  return tf.tidy(() => {
    const a = normalize ? l2Normalize(z1) : z1;
    const b = normalize ? l2Normalize(z2) : z2;
    const distance = tf.sqrt(tf.sum(tf.square(tf.sub(a, b)), 1));
    return tf.mean(tf.pow(distance, alpha)).dataSync()[0] as number;
  });
}
