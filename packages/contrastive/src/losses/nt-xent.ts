import * as tf from '@tensorflow/tfjs-core';
import { assertOptions, l2Normalize } from '@selfsup/tensors';
import { assertPairedEmbeddings, assertTemperature } from '../ops/checks.js';

export interface NtXentOptions {
  /** Softmax temperature tau. Default 0.5 (SimCLR's choice for small images; 0.1 suits large batches and images). */
  readonly temperature?: number;
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
  return tf.tidy(() => {
    const z = l2Normalize(tf.concat([z1, z2], 0)); // [2N, D]
    const logits = tf.sub(tf.div(tf.matMul(z, z, false, true), temperature), tf.mul(tf.eye(2 * n), MASK));
    // Anchor i < N pairs with i + N, and i >= N with i - N.
    const positives = tf.tensor1d(Int32Array.from({ length: 2 * n }, (_, i) => (i + n) % (2 * n)), 'int32');
    const logProb = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(positives, 2 * n)), 1);
    return tf.neg(tf.mean(logProb)) as tf.Scalar;
  });
}
