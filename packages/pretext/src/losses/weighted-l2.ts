import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertSameShape, invalidArgument } from '@selfsup/tensors';

/**
 * Weighted mean squared error: sum(w (p - t)^2) / (C sum(w)) over a batch [N, H, W, C], with per-pixel weights
 * [N, H, W, 1] shared by the channels. With Context Encoders' weights (1 in the hole, 10 in the overlap band, 0 in the
 * context; see `inpaintingLossWeights`) it is their masked L2 reconstruction loss, normalised so that its scale does
 * not depend on the hole's size. All-zero weights give 0.
 */
export function weightedL2Loss(predictions: tf.Tensor4D, targets: tf.Tensor4D, weights: tf.Tensor4D): tf.Scalar {
  assertRank('predictions', predictions, 4);
  assertSameShape('predictions', predictions, 'targets', targets);
  assertRank('weights', weights, 4);
  const [n, h, w, c] = predictions.shape;
  if (weights.shape[0] !== n || weights.shape[1] !== h || weights.shape[2] !== w || weights.shape[3] !== 1) {
    invalidArgument('weights', `a [${n}, ${h}, ${w}, 1] tensor of per-pixel weights`, weights);
  }
  return tf.tidy(() => {
    const weighted = tf.sum(tf.mul(tf.square(tf.sub(predictions, targets)), weights));
    return tf.div(weighted, tf.maximum(tf.mul(tf.sum(weights), c), 1e-12)) as tf.Scalar;
  });
}
