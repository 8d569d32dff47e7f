import * as tf from '@tensorflow/tfjs-core';
import { type ProcessGroup, allGatherWithGradient, assertOptions, assertRank, invalidArgument, l2Normalize } from '@selfsup/tensors';
import { assertPairedEmbeddings } from '../ops/checks.js';

export interface ClipLossOptions {
  /**
   * The factor the cosine similarities are multiplied by (1 / temperature; the scale itself, not its log): a number
   * or a scalar tensor, e.g. `logitScale.value()` of {@link clipLogitScale} to learn it. Default 1 / 0.07 (CLIP's
   * initial value).
   */
  readonly logitScale?: number | tf.Scalar;
  /**
   * Data-parallel training (`StepContext.processGroup`): each rank's images are scored against every rank's texts and
   * its texts against every rank's images (gathered with their gradient), so that the mean over the ranks is the
   * single-process loss on the concatenated batch (equal N on every rank), as CLIP itself was trained.
   */
  readonly processGroup?: ProcessGroup;
}

/**
 * CLIP's symmetric contrastive loss (Radford et al. 2021, "Learning Transferable Visual Models From Natural Language
 * Supervision", Figure 3): with a and b L2-normalised, logits = logitScale * a b^T (N x N); the loss is the mean of
 * the cross-entropy over rows (a_i picks b_i) and over columns (b_i picks a_i).
 *
 * @param a [N, D] embeddings of one modality (images).
 * @param b [N, D] embeddings of the other (texts); row i of a pairs with row i of b.
 */
export function clipLoss(a: tf.Tensor2D, b: tf.Tensor2D, options: ClipLossOptions = {}): tf.Scalar {
  assertOptions('options', options);
  assertPairedEmbeddings('a', a, 'b', b);
  const scale = options.logitScale ?? 1 / 0.07;
  if (typeof scale === 'number') {
    if (!Number.isFinite(scale) || scale <= 0) invalidArgument('options.logitScale', 'a finite number > 0 or a scalar tensor', scale);
  } else {
    assertRank('options.logitScale', scale, 0);
  }
  const n = a.shape[0];
  const group = options.processGroup;
  if (group !== undefined && group.worldSize > 1) {
    return tf.tidy(() => {
      const [na, nb] = [l2Normalize(a), l2Normalize(b)];
      // This rank's pairs sit at rows rank x N .. of the gathered batch: its one-hot targets are those columns.
      const targets = tf.oneHot(tf.tensor1d(Int32Array.from({ length: n }, (_, i) => group.rank * n + i), 'int32'), group.worldSize * n);
      const rows = tf.sum(tf.mul(tf.logSoftmax(tf.mul(tf.matMul(na, allGatherWithGradient(group, nb), false, true), scale)), targets));
      const columns = tf.sum(tf.mul(tf.logSoftmax(tf.mul(tf.matMul(nb, allGatherWithGradient(group, na), false, true), scale)), targets));
      return tf.div(tf.neg(tf.add(rows, columns)), 2 * n) as tf.Scalar;
    });
  }
  return tf.tidy(() => {
    const logits = tf.mul(tf.matMul(l2Normalize(a), l2Normalize(b), false, true), scale);
    const eye = tf.eye(n);
    const rows = tf.sum(tf.mul(tf.logSoftmax(logits), eye)); // sum_i log p(b_i | a_i)
    const columns = tf.sum(tf.mul(tf.logSoftmax(tf.transpose(logits)), eye)); // sum_i log p(a_i | b_i)
    return tf.div(tf.neg(tf.add(rows, columns)), 2 * n) as tf.Scalar;
  });
}
