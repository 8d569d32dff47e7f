import * as tf from '@tensorflow/tfjs-core';
import { type ProcessGroup, allGatherWithGradient, assertOptions, invalidArgument, l2Normalize } from '@selfsup/tensors';
import { assertPairedEmbeddings, assertTemperature } from '../ops/checks.js';

export interface MultiViewNtXentOptions {
  /** Softmax temperature tau. Default 0.5, as `ntXent`. */
  readonly temperature?: number;
  /**
   * Data-parallel training (`StepContext.processGroup`): every rank's views are negatives (gathered with their
   * gradient), this rank's VN views are the anchors, and the loss is their mean, so that the mean over the ranks is the
   * single-process loss on the concatenated batch (equal N on every rank), as `ntXent`'s. Without it: this batch alone.
   */
  readonly processGroup?: ProcessGroup;
}

// Added to the self-similarity logits: exp(-1e9) is 0 in float32, and unlike -Infinity it keeps gradients finite.
const MASK = 1e9;

/**
 * NT-Xent over V >= 2 views of each sample, for multi-crop SimCLR (Caron et al. 2020, "Unsupervised Learning of Visual
 * Features by Contrasting Cluster Assignments", Sec. 3.2, multi-crop; solo-learn's SimCLR with small crops). The VN
 * views are L2-normalised; an anchor's positives are the V - 1 other views of its sample, its negatives the views of
 * the other samples, and its similarity with itself is masked out. Each positive is its own softmax term, averaged over
 * the positives (the "outside the log" form of Khosla et al. 2020, eq. 2, with the sample as the class):
 *   l(i) = -1 / (V - 1) * sum_{p in P(i)} log exp(s_ip / tau) / sum_{k != i} exp(s_ik / tau),   loss = mean over VN.
 * With two views it is `ntXent` exactly. Views may come from crops of different sizes: only their embeddings meet here.
 *
 * @param views V >= 2 tensors [N, D]; row i of each is a view of sample i.
 * @returns a scalar >= 0.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from '@selfsup/tensors';
 * import { multiViewNtXent } from '@selfsup/contrastive';
 *
 * await initBackend();
 * const z = tf.randomNormal([4, 8]) as tf.Tensor2D;
 * const loss = multiViewNtXent([z, z, tf.mul(z, 2) as tf.Tensor2D], { temperature: 0.5 });
 * console.log(loss.shape); // []
 * ```
 */
export function multiViewNtXent(views: readonly tf.Tensor2D[], options: MultiViewNtXentOptions = {}): tf.Scalar {
  assertOptions('options', options);
  if (!Array.isArray(views) || views.length < 2) invalidArgument('views', 'an array of at least two [N, D] tensors', views);
  views.forEach((v, i) => assertPairedEmbeddings('views[0]', views[0], `views[${i}]`, v));
  const temperature = options.temperature ?? 0.5;
  assertTemperature('options.temperature', temperature);
  return ntXentOverViews(views, temperature, options.processGroup);
}

/**
 * The NT-Xent of V checked views (`ntXent` is V = 2): anchors are this rank's VN views, candidates every rank's, in
 * the order one process would hold them.
 */
export function ntXentOverViews(views: readonly tf.Tensor2D[], temperature: number, group: ProcessGroup | undefined): tf.Scalar {
  const v = views.length;
  const n = (views[0] as tf.Tensor2D).shape[0];
  const world = group !== undefined && group.worldSize > 1 ? group : undefined;
  const total = (world?.worldSize ?? 1) * n;
  const own = (world?.rank ?? 0) * n;
  const rows = v * n;
  const columns = v * total;
  return tf.tidy(() => {
    const anchors = l2Normalize(tf.concat(views as tf.Tensor2D[], 0)); // [VN, D], view-major
    // The candidates as one process would hold them: per view, every rank's rows in rank order ([VWN, D]).
    const candidates = world === undefined ? anchors : l2Normalize(tf.concat(views.map((z) => allGatherWithGradient(world, z)), 0));
    // Anchor a (view u, sample i) is candidate u * total + own + i; its positives are the same sample's other views.
    const self = new Int32Array(rows);
    const weights = new Float32Array(rows * columns);
    for (let a = 0; a < rows; a++) {
      const u = Math.floor(a / n);
      const i = a % n;
      self[a] = u * total + own + i;
      for (let w = 0; w < v; w++) if (w !== u) weights[a * columns + w * total + own + i] = 1 / (v - 1);
    }
    const mask = tf.oneHot(tf.tensor1d(self, 'int32'), columns);
    const logits = tf.sub(tf.div(tf.matMul(anchors, candidates, false, true), temperature), tf.mul(mask, MASK));
    const logProb = tf.sum(tf.mul(tf.logSoftmax(logits), tf.tensor2d(weights, [rows, columns])), 1);
    return tf.neg(tf.mean(logProb)) as tf.Scalar;
  });
}
