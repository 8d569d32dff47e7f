import type * as tf from '@tensorflow/tfjs-core';
import { assertRank, invalidArgument } from '@selfsup/tensors';

/**
 * The collapse signal of SimSiam (Chen & He 2021, section 4.1): the standard deviation of each dimension of the
 * l2-normalised embedding (each row divided by its norm), averaged over the D dimensions. A collapsed embedding (every
 * image mapped to the same direction) scores 0; an embedding spread evenly over the sphere scores about 1/sqrt(D)
 * ({@link embeddingStdReference}). Population standard deviation (divided by N), computed on the host in double
 * precision, so the result is the same on every backend for the same embedding.
 */
export function embeddingStd(z: tf.Tensor2D): number {
  assertRank('z', z, 2);
  const [n, d] = z.shape;
  if (n === 0 || d === 0) invalidArgument('z', 'a non-empty [N, D] tensor', z);
  const values = z.dataSync() as Float32Array;
  const mean = new Float64Array(d);
  const square = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = values[i * d + j] as number;
      if (!Number.isFinite(v)) invalidArgument('z', 'finite values', v);
      norm += v * v;
    }
    // The same guard as l2Normalize: an all-zero row stays zero.
    const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let j = 0; j < d; j++) {
      const u = (values[i * d + j] as number) * scale;
      mean[j] = (mean[j] as number) + u;
      square[j] = (square[j] as number) + u * u;
    }
  }
  let total = 0;
  for (let j = 0; j < d; j++) {
    const m = (mean[j] as number) / n;
    total += Math.sqrt(Math.max(0, (square[j] as number) / n - m * m));
  }
  return total / d;
}

/** What {@link embeddingStd} is for a healthy D-dimensional embedding (spread evenly over the sphere): 1/sqrt(D). */
export function embeddingStdReference(dim: number): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1) invalidArgument('dim', 'a positive integer (the embedding dimension)', dim);
  return 1 / Math.sqrt(dim);
}
