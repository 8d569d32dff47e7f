import * as tf from '@tensorflow/tfjs-core';
import { type ProcessGroup, allGatherWithGradient, assertOptions } from '@selfsup/tensors';
import { assertPairedEmbeddings, assertTemperature } from '../ops/checks.js';

/**
 * InfoNCE over a score matrix: row i of `predictions` should pick row i of `targets` among all P rows, with logits
 * predictions . targets^T / T (no normalisation: CPC scores with a plain bilinear product, exp(z^T W_k c)).
 * The same as `infoNCE(p, t, negatives_i = every other row of t, { normalize: false })`, without materialising the
 * [P, P - 1, D] negatives.
 */
export interface InfoNCEOverTargetsOptions {
  /** Default 1 (CPC's plain bilinear score). */
  readonly temperature?: number;
  /**
   * Data-parallel training: every rank's targets are candidates (gathered with their gradient); this rank's rows pick
   * their own among all of them, so the mean over the ranks is the single-process loss on the concatenated rows.
   */
  readonly processGroup?: ProcessGroup;
}

export function infoNCEOverTargets(predictions: tf.Tensor2D, targets: tf.Tensor2D, options: InfoNCEOverTargetsOptions = {}): tf.Scalar {
  assertOptions('options', options);
  assertPairedEmbeddings('predictions', predictions, 'targets', targets);
  const temperature = options.temperature ?? 1;
  assertTemperature('options.temperature', temperature);
  const p = predictions.shape[0];
  const group = options.processGroup !== undefined && options.processGroup.worldSize > 1 ? options.processGroup : undefined;
  return tf.tidy(() => {
    const candidates = group !== undefined ? allGatherWithGradient(group, targets) : targets;
    const logits = tf.div(tf.matMul(predictions, candidates, false, true), temperature);
    // Row i's own target: row i of this rank's block of the (gathered) candidates.
    const own = group !== undefined ? tf.oneHot(tf.tensor1d(Int32Array.from({ length: p }, (_, i) => group.rank * p + i), 'int32'), group.worldSize * p) : tf.eye(p);
    const diagonal = tf.sum(tf.mul(tf.logSoftmax(logits), own), 1);
    return tf.neg(tf.mean(diagonal)) as tf.Scalar;
  });
}
