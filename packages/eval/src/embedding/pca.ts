import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertRank, invalidArgument } from '@selfsup/tensors';
import { topEigen } from '../linalg/top-eigen.js';

/** A low-dimensional projection of an embedding. */
export interface Projection {
  /** N x components, row-major. */
  readonly points: Float32Array;
  readonly components: number;
  /** Fraction of the total variance each component explains. */
  readonly explainedVarianceRatio: readonly number[];
}

/**
 * Principal component analysis of [N, D] features: projections of the centred rows onto the top `components`
 * eigenvectors of the covariance. The covariance is formed on the backend, its eigenvectors on the host in double
 * precision. Deterministic, including the signs of the axes.
 */
export function pca(features: tf.Tensor2D, components = 2): Projection {
  assertRank('features', features, 2);
  const [n, d] = features.shape;
  if (n < 2) invalidArgument('features', 'at least two rows', features);
  assertInteger('components', components, 1, d);
  const covariance = tf.tidy(() => {
    const centred = tf.sub(features, tf.mean(features, 0, true));
    return tf.div(tf.matMul(centred, centred, true, false), n - 1);
  });
  const matrix = Float64Array.from(covariance.dataSync());
  covariance.dispose();
  let trace = 0;
  for (let i = 0; i < d; i++) trace += matrix[i * d + i] as number;
  const { values, vectors } = topEigen(matrix, d, components);
  const projected = tf.tidy(() => {
    const centred = tf.sub(features, tf.mean(features, 0, true));
    return tf.matMul(centred, tf.tensor2d(Float32Array.from(vectors), [d, components]));
  });
  const points = projected.dataSync() as Float32Array;
  projected.dispose();
  return {
    points,
    components,
    explainedVarianceRatio: Array.from(values, (v) => (trace > 0 ? Math.max(0, v) / trace : 0)),
  };
}

/** The 2-D PCA projection (for embedding pictures). */
export function pca2d(features: tf.Tensor2D): Projection {
  assertRank('features', features, 2);
  return pca(features, Math.min(2, features.shape?.[1] ?? 2));
}
