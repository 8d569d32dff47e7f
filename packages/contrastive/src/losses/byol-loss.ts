import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize } from '@selfsup/tensors';
import { assertPairedEmbeddings } from '../ops/checks.js';
import { stopGradient } from '../ops/stop-gradient.js';

/**
 * BYOL's regression loss (Grill et al. 2020, "Bootstrap Your Own Latent", eq. 2): the mean squared distance between the
 * L2-normalised online prediction and the L2-normalised target projection, || q / ||q|| - z' / ||z'|| ||^2
 * = 2 - 2 cos(q, z'), averaged over the batch. No gradient flows into `target` (it comes from the EMA network).
 * BYOL symmetrises it: `byolLoss(q1, z2') + byolLoss(q2, z1')` (the paper's L + L~).
 *
 * @param prediction [N, D] online network's predictions q.
 * @param target [N, D] target network's projections z'.
 * @returns a scalar in [0, 4].
 */
export function byolLoss(prediction: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  assertPairedEmbeddings('prediction', prediction, 'target', target);
  return tf.tidy(() => {
    const difference = tf.sub(l2Normalize(prediction), l2Normalize(stopGradient(target)));
    return tf.mean(tf.sum(tf.square(difference), 1)) as tf.Scalar;
  });
}
