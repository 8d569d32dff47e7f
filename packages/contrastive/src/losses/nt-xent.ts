import type * as tf from '@tensorflow/tfjs-core';
import { type ProcessGroup, assertOptions } from '@selfsup/tensors';
import { assertPairedEmbeddings, assertTemperature } from '../ops/checks.js';
import { ntXentOverViews } from './multi-view-nt-xent.js';

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
  return ntXentOverViews([z1, z2], temperature, options.processGroup);
}
