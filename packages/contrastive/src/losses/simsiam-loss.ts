import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize } from '@selfsup/tensors';
import { assertPairedEmbeddings } from '../ops/checks.js';
import { stopGradient } from '../ops/stop-gradient.js';

/**
 * SimSiam's D(p, stopgrad(z)) (Chen & He 2021, "Exploring Simple Siamese Representation Learning", eq. 1 and 3): the
 * negative cosine similarity of the prediction and the stop-gradient projection, averaged over the batch.
 * SimSiam symmetrises it: `0.5 * simSiamLoss(p1, z2) + 0.5 * simSiamLoss(p2, z1)`.
 * As published, it ranges over [-1, 1] (minimum -1 when p and z align), unlike the other losses here, which are >= 0.
 *
 * @param prediction [N, D] predictor outputs p.
 * @param target [N, D] projections z of the other view (no gradient flows into them).
 */
export function simSiamLoss(prediction: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  assertPairedEmbeddings('prediction', prediction, 'target', target);
  return tf.tidy(() => {
    const cosine = tf.sum(tf.mul(l2Normalize(prediction), l2Normalize(stopGradient(target))), 1);
    return tf.neg(tf.mean(cosine)) as tf.Scalar;
  });
}
