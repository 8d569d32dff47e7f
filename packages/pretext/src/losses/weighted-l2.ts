import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertSameShape, invalidArgument } from '@selfsup/tensors';

/**
 * Weighted mean squared error over a predicted region [N, H, W, C]: sum(w (p - t)^2) / (N H W C), with per-pixel
 * weights [N, H, W, 1] shared by the channels. This is the L2 term of Context Encoders' reference code (train.lua:
 * `nn.MSECriterion`, a mean over every element of the predicted centre, whose gradient is multiplied by the weight
 * matrix: wtl2 inside, 10 wtl2 on the overlap border). With weights 1 in the hole and 10 in the overlap band it is
 * their masked reconstruction loss; weights 0 leave a pixel out of the sum but not out of the mean's count, so the
 * loss of a given per-pixel error grows with the weighted share of the region, as theirs does.
 */
export function weightedL2Loss(predictions: tf.Tensor4D, targets: tf.Tensor4D, weights: tf.Tensor4D): tf.Scalar {
  assertRank('predictions', predictions, 4);
  assertSameShape('predictions', predictions, 'targets', targets);
  assertRank('weights', weights, 4);
  const [n, h, w] = predictions.shape;
  if (weights.shape[0] !== n || weights.shape[1] !== h || weights.shape[2] !== w || weights.shape[3] !== 1) {
    invalidArgument('weights', `a [${n}, ${h}, ${w}, 1] tensor of per-pixel weights`, weights);
  }
  // An empty batch has no error; the max keeps 0 / 0 out.
  return tf.tidy(() => tf.div(tf.sum(tf.mul(tf.square(tf.sub(predictions, targets)), weights)), Math.max(predictions.size, 1)) as tf.Scalar);
}
