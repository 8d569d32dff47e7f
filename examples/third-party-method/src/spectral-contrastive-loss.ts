import * as tf from '@tensorflow/tfjs-core';
import { assertPositive, assertSameShape, assertShape, invalidArgument } from '@selfsup/tensors';

export interface SpectralContrastiveLossOptions {
  /**
   * mu of the reference implementation: embeddings longer than sqrt(mu) are scaled back to that length before the
   * loss, which keeps the quartic repulsion term from exploding early in training. Default 1.
   */
  readonly mu?: number;
}

/** Scales every row longer than `maxNorm` back to that length (rows inside the ball are left alone). */
function clipRowNorms(z: tf.Tensor2D, maxNorm: number): tf.Tensor2D {
  const norms = tf.sqrt(tf.sum(tf.square(z), 1, true));
  return tf.mul(z, tf.div(maxNorm, tf.maximum(norms, maxNorm))) as tf.Tensor2D;
}

/**
 * The spectral contrastive loss (HaoChen, Wei, Gaidon & Ma 2021, "Provable Guarantees for Self-Supervised Deep
 * Learning with Spectral Contrastive Loss"): L = -2 E[z(x)ᵀ z(x⁺)] + E[(z(x)ᵀ z(x'))²], estimated on a batch of N
 * positive pairs (row i of `z1` and of `z2`) with the N(N-1) mismatched rows as the independent pairs x, x'.
 * Minimising it factorises the augmentation graph's normalised adjacency; there is no temperature and no softmax.
 */
export function spectralContrastiveLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, options: SpectralContrastiveLossOptions = {}): tf.Scalar {
  assertShape('z1', z1, [null, null]);
  assertSameShape('z1', z1, 'z2', z2);
  const mu = options.mu ?? 1;
  assertPositive('options.mu', mu);
  const n = z1.shape[0];
  if (n < 2) invalidArgument('z1', 'a batch of at least 2 embeddings (the loss contrasts mismatched pairs)', z1);
  return tf.tidy(() => {
    const a = clipRowNorms(z1, Math.sqrt(mu));
    const b = clipRowNorms(z2, Math.sqrt(mu));
    const products = tf.matMul(a, b, false, true); // [N, N]: a_i . b_j
    const diagonal = tf.sum(tf.mul(a, b), 1); // a_i . b_i
    const attraction = tf.mean(diagonal);
    const offDiagonalSquares = tf.sub(tf.sum(tf.square(products)), tf.sum(tf.square(diagonal)));
    const repulsion = tf.div(offDiagonalSquares, n * (n - 1));
    return tf.add(tf.mul(-2, attraction), repulsion) as tf.Scalar;
  });
}
