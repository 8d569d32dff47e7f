import * as tf from '@tensorflow/tfjs-core';
import { type ProcessGroup, allGatherWithGradient, assertOptions, assertRank, invalidArgument, l2Normalize } from '@selfsup/tensors';
import { assertPairedEmbeddings, assertTemperature } from '../ops/checks.js';

export interface InfoNCEOptions {
  /** Softmax temperature T. Default 0.07 (MoCo). */
  readonly temperature?: number;
  /** L2-normalise query, positive and negatives first, so logits are cosine similarities / T. Default true. */
  readonly normalize?: boolean;
  /**
   * Data-parallel training: shared negatives `[M, D]` of every rank are gathered (with their gradient) and serve every
   * rank's queries, so the mean over the ranks is the single-process loss on the concatenated queries and negatives.
   * Leave it out for negatives that are already global (MoCo's queue holds every rank's keys).
   */
  readonly processGroup?: ProcessGroup;
}

/**
 * InfoNCE (van den Oord et al. 2018, "Representation Learning with Contrastive Predictive Coding", eq. 4), in the form
 * MoCo uses (He et al. 2020, Algorithm 1): for each query q_i, logits = [q_i . k_i+, q_i . k_1-, ..., q_i . k_M-] / T
 * and the loss is the cross-entropy of class 0 (the positive), averaged over the N queries.
 *
 * @param query [N, D]
 * @param positive [N, D]: row i is query i's positive key.
 * @param negatives [M, D] shared by every query (MoCo's queue), or [N, M, D], one set per query. M may be 0.
 * @returns a scalar >= 0, equal to log(1 + M) when every similarity is the same.
 */
export function infoNCE(query: tf.Tensor2D, positive: tf.Tensor2D, negatives: tf.Tensor2D | tf.Tensor3D, options: InfoNCEOptions = {}): tf.Scalar {
  assertOptions('options', options);
  assertPairedEmbeddings('query', query, 'positive', positive);
  assertRank('negatives', negatives, [2, 3]);
  const [n, d] = query.shape;
  if (negatives.dtype !== 'float32') invalidArgument('negatives', 'a float32 tensor', negatives);
  if (negatives.rank === 2 && negatives.shape[1] !== d) invalidArgument('negatives', `a [M, ${d}] or [${n}, M, ${d}] tensor`, negatives);
  if (negatives.rank === 3 && (negatives.shape[0] !== n || negatives.shape[2] !== d)) {
    invalidArgument('negatives', `a [M, ${d}] or [${n}, M, ${d}] tensor`, negatives);
  }
  const temperature = options.temperature ?? 0.07;
  assertTemperature('options.temperature', temperature);
  const normalize = options.normalize ?? true;
  if (typeof normalize !== 'boolean') invalidArgument('options.normalize', 'a boolean', normalize);
  return tf.tidy(() => {
    const q = normalize ? l2Normalize(query) : query;
    const kPos = normalize ? l2Normalize(positive) : positive;
    const group = options.processGroup !== undefined && options.processGroup.worldSize > 1 ? options.processGroup : undefined;
    if (group !== undefined && negatives.rank !== 2) invalidArgument('negatives', 'shared [M, D] negatives with options.processGroup (per-query negatives are not gathered)', negatives);
    const shared = group !== undefined ? allGatherWithGradient(group, negatives) : (negatives as tf.Tensor);
    const kNeg = normalize ? l2Normalize(shared) : shared;
    const positiveLogits = tf.sum(tf.mul(q, kPos), 1, true); // [N, 1]
    const negativeLogits =
      kNeg.rank === 2
        ? tf.matMul(q, kNeg as tf.Tensor2D, false, true) // [N, M]
        : tf.sum(tf.mul(kNeg, tf.expandDims(q, 1)), 2); // [N, M]
    const logits = tf.div(tf.concat([positiveLogits, negativeLogits], 1), temperature);
    // Cross-entropy with target 0: -log softmax(logits)[:, 0].
    const logProbPositive = tf.slice(tf.logSoftmax(logits), [0, 0], [n, 1]);
    return tf.neg(tf.mean(logProbPositive)) as tf.Scalar;
  });
}
