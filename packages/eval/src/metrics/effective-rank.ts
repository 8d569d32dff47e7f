import type * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertRank, invalidArgument } from '@selfsup/tensors';
import { gramMatrix } from '../linalg/gram.js';
import { symmetricEigen } from '../linalg/symmetric-eigen.js';

export interface EffectiveRankOptions {
  /** Subtract the mean embedding first (the rank of the covariance rather than of the raw matrix). Default false. */
  readonly center?: boolean;
  /**
   * Use at most this many rows, evenly spaced (deterministic). Default 10 000. The cost is O(min(N, D)^2 max(N, D))
   * plus O(min(N, D)^3), on the host in double precision.
   */
  readonly maxSamples?: number;
}

/** The singular values of an [N, D] embedding, descending, computed in double precision on the host. */
export function singularValues(z: tf.Tensor2D, options: EffectiveRankOptions = {}): Float64Array {
  assertRank('z', z, 2);
  assertOptions('options', options);
  const maxSamples = options.maxSamples ?? 10_000;
  assertInteger('options.maxSamples', maxSamples, 1);
  const [n0, d] = z.shape;
  if (n0 === 0 || d === 0) invalidArgument('z', 'a non-empty [N, D] tensor', z);
  const all = z.dataSync() as Float32Array;
  let values: Float32Array = all;
  let n = n0;
  if (n0 > maxSamples) {
    n = maxSamples;
    values = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const src = Math.floor((i * n0) / n);
      values.set(all.subarray(src * d, (src + 1) * d), i * d);
    }
  }
  for (const v of values) if (!Number.isFinite(v)) invalidArgument('z', 'finite values', v);
  const { gram, size } = gramMatrix(values, n, d, { center: options.center ?? false });
  const eig = symmetricEigen(gram, size).values;
  return Float64Array.from(eig, (lambda) => Math.sqrt(Math.max(0, lambda)));
}

/**
 * Effective rank (Roy & Vetterli 2007): exp of the Shannon entropy of the singular values normalised to sum 1,
 * p_k = s_k / sum(s). Between 1 (one direction) and min(N, D) (all singular values equal); a collapsed embedding
 * scores near 1 (RankMe, Garrido et al. 2023, uses it to detect dimensional collapse). An all-zero embedding has
 * rank 0 by convention.
 */
export function effectiveRank(z: tf.Tensor2D, options: EffectiveRankOptions = {}): number {
  return effectiveRankOfSingularValues(singularValues(z, options));
}

/** The effective rank of given singular values (0 log 0 = 0). */
export function effectiveRankOfSingularValues(singular: ArrayLike<number>): number {
  if (!Array.isArray(singular) && !ArrayBuffer.isView(singular)) invalidArgument('singular', 'an array of singular values', singular);
  let total = 0;
  for (let i = 0; i < singular.length; i++) {
    const s = singular[i] as number;
    if (typeof s !== 'number' || !(s >= 0) || !Number.isFinite(s)) invalidArgument('singular', 'non-negative finite singular values', s);
    total += s;
  }
  if (total === 0) return 0;
  let entropy = 0;
  for (let i = 0; i < singular.length; i++) {
    const p = (singular[i] as number) / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}
