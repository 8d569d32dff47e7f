import * as tf from '@tensorflow/tfjs-core';

/** The gradients scaled down together so that their global L2 norm is at most `maxNorm` (new tensors). */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(tf.div(maxNorm, tf.maximum(norm, 1e-12)), 1);
    return grads.map((g) => tf.mul(g, scale));
  });
}
