import * as tf from '@tensorflow/tfjs-core';
import { type ProcessGroup, allGatherWithGradient, assertOptions, l2Normalize } from '@selfsup/tensors';
import { assertPairedEmbeddings, assertTemperature } from '../ops/checks.js';

export interface NtXentOptions {
  /** Softmax temperature tau. Default 0.5 (SimCLR's choice for small images; 0.1 suits large batches and images). */
  readonly temperature?: number;
  /**
   * Data-parallel training (`StepContext.processGroup`): every rank's views are negatives (gathered with their
   * gradient), each rank's own 2N views are the anchors, and the loss is their mean, so that the mean over the ranks
   * is the single-process loss on the concatenated batch (equal N on every rank). Without it: this batch alone.
   */
  readonly processGroup?: ProcessGroup;
}

// Added to the self-similarity logits: exp(-1e9) is 0 in float32, and unlike -Infinity it keeps gradients finite.
const MASK = 1e9;

/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al. 2020, "A Simple Framework for
 * Contrastive Learning of Visual Representations", eq. 1 and Algorithm 1). The 2N views z = [z1; z2] are
 * L2-normalised; for anchor i its positive is the other view of the same sample, the 2N - 2 remaining views are
 * negatives, and the anchor's similarity with itself is masked out:
 *   l(i, j) = -log exp(s_ij / tau) / sum_{k != i} exp(s_ik / tau),   loss = mean over the 2N anchors.
 * One 2N x 2N similarity matrix, no per-pair loop.
 *
 * @param z1 [N, D] first views' embeddings.
 * @param z2 [N, D] second views' embeddings (row i pairs with row i of z1).
 * @returns a scalar >= 0; log(2N - 1) when every embedding points the same way.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from '@selfsup/tensors';
 * import { ntXent } from '@selfsup/contrastive';
 *
 * await initBackend();
 * const z = tf.randomNormal([4, 8]) as tf.Tensor2D;
 * const same = ntXent(z, z, { temperature: 0.5 }); // each view's twin is itself: low
 * const shuffled = ntXent(z, tf.reverse(z, 0) as tf.Tensor2D, { temperature: 0.5 }); // wrong twins: higher
 * console.log(same.dataSync()[0]! < shuffled.dataSync()[0]!); // true
 * ```
 */
export function ntXent(z1: tf.Tensor2D, z2: tf.Tensor2D, options: NtXentOptions = {}): tf.Scalar {
  assertOptions('options', options);
  assertPairedEmbeddings('z1', z1, 'z2', z2);
  const temperature = options.temperature ?? 0.5;
  assertTemperature('options.temperature', temperature);
  const n = z1.shape[0];
  const group = options.processGroup;
  if (group !== undefined && group.worldSize > 1) return globalNtXent(z1, z2, temperature, group);
  return tf.tidy(() => {
    const z = l2Normalize(tf.concat([z1, z2], 0)); // [2N, D]
    const logits = tf.sub(tf.div(tf.matMul(z, z, false, true), temperature), tf.mul(tf.eye(2 * n), MASK));
    // Anchor i < N pairs with i + N, and i >= N with i - N.
    const positives = tf.tensor1d(Int32Array.from({ length: 2 * n }, (_, i) => (i + n) % (2 * n)), 'int32');
    const logProb = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(positives, 2 * n)), 1);
    return tf.neg(tf.mean(logProb)) as tf.Scalar;
  });
}

/**
 * NT-Xent over W ranks of N samples: the candidates are the 2WN gathered views ordered as one process would hold them,
 * [z1 of rank 0..W-1; z2 of rank 0..W-1]; this rank's anchors are its own rows of each half.
 */
function globalNtXent(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number, group: ProcessGroup): tf.Scalar {
  const n = z1.shape[0];
  const total = group.worldSize * n;
  const own = group.rank * n;
  return tf.tidy(() => {
    const anchors = l2Normalize(tf.concat([z1, z2], 0)); // [2N, D]
    const candidates = l2Normalize(tf.concat([allGatherWithGradient(group, z1), allGatherWithGradient(group, z2)], 0)); // [2WN, D]
    // Anchor a < N is global row own + a (its positive: total + own + a); a >= N is total + own + a - N (positive: own + a - N).
    const self = Int32Array.from({ length: 2 * n }, (_, a) => (a < n ? own + a : total + own + a - n));
    const positive = Int32Array.from({ length: 2 * n }, (_, a) => (a < n ? total + own + a : own + a - n));
    const mask = tf.oneHot(tf.tensor1d(self, 'int32'), 2 * total);
    const logits = tf.sub(tf.div(tf.matMul(anchors, candidates, false, true), temperature), tf.mul(mask, MASK));
    const logProb = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d(positive, 'int32'), 2 * total)), 1);
    return tf.neg(tf.mean(logProb)) as tf.Scalar;
  });
}
