import * as tf from '@tensorflow/tfjs-core';
import { assertOptions } from '@selfsup/tensors';
import { assertPairedEmbeddings, assertTemperature } from '../ops/checks.js';

/**
 * InfoNCE over a score matrix: row i of `predictions` should pick row i of `targets` among all P rows, with logits
 * predictions . targets^T / T (no normalisation: CPC scores with a plain bilinear product, exp(z^T W_k c)).
 * The same as `infoNCE(p, t, negatives_i = every other row of t, { normalize: false })`, without materialising the
 * [P, P - 1, D] negatives.
 */
export function infoNCEOverTargets(predictions: tf.Tensor2D, targets: tf.Tensor2D, options: { readonly temperature?: number } = {}): tf.Scalar {
  assertOptions('options', options);
  assertPairedEmbeddings('predictions', predictions, 'targets', targets);
  const temperature = options.temperature ?? 1;
  assertTemperature('options.temperature', temperature);
  const p = predictions.shape[0];
  return tf.tidy(() => {
    const logits = tf.div(tf.matMul(predictions, targets, false, true), temperature);
    const diagonal = tf.sum(tf.mul(tf.logSoftmax(logits), tf.eye(p)), 1);
    return tf.neg(tf.mean(diagonal)) as tf.Scalar;
  });
}
