import * as tf from '@tensorflow/tfjs-core';
import { assertFloatTensor, assertOptions, assertPositive, assertPositiveInteger, assertRank, invalidArgument, l2Normalize } from '@selfsup/tensors';

export interface UniformityOptions {
  /** Scale t of the Gaussian potential exp(-t ||x - y||^2). Default 2 (as Wang & Isola). */
  readonly t?: number;
  /** L2-normalise the rows first (the metric is defined on the unit hypersphere). Default true. */
  readonly normalize?: boolean;
  /** Rows per block of the pairwise computation (memory bound: chunkSize^2 values at a time). Default 1024. */
  readonly chunkSize?: number;
}

/**
 * Uniformity (Wang & Isola 2020): log E exp(-t ||f(x) - f(y)||_2^2) over all pairs i < j of rows of `z` (as
 * torch.pdist). Lower is more uniform on the hypersphere. Computed block by block, so N is bounded by time, not
 * memory; the block sums are accumulated in double precision.
 */
export function uniformity(z: tf.Tensor2D, options: UniformityOptions = {}): number {
  assertRank('z', z, 2);
  assertFloatTensor('z', z);
  assertOptions('options', options);
  const t = options.t ?? 2;
  assertPositive('options.t', t);
  const chunk = options.chunkSize ?? 1024;
  assertPositiveInteger('options.chunkSize', chunk);
  const n = z.shape[0];
  if (n < 2) invalidArgument('z', 'a tensor with at least two rows (uniformity is over pairs)', z);
  const normalize = options.normalize ?? true;
  const x = normalize ? l2Normalize(z) : tf.clone(z);
  let total = 0;
  try {
    const squaredNorms = tf.tidy(() => tf.sum(tf.square(x), 1));
    try {
      for (let i0 = 0; i0 < n; i0 += chunk) {
        const ni = Math.min(chunk, n - i0);
        for (let j0 = i0; j0 < n; j0 += chunk) {
          const nj = Math.min(chunk, n - j0);
          const blockSum = tf.tidy(() => {
            const a = tf.slice(x, [i0, 0], [ni, -1]);
            const b = tf.slice(x, [j0, 0], [nj, -1]);
            const na = tf.slice(squaredNorms, [i0], [ni]);
            const nb = tf.slice(squaredNorms, [j0], [nj]);
            // ||a - b||^2 = |a|^2 + |b|^2 - 2 a.b, clamped at 0 against rounding.
            const d2 = tf.relu(tf.sub(tf.add(tf.expandDims(na, 1), tf.expandDims(nb, 0)), tf.mul(tf.matMul(a, b, false, true), 2)));
            let kernel = tf.exp(tf.mul(d2, -t));
            if (i0 === j0) {
              // Diagonal block: keep only pairs i < j.
              const upper = tf.greater(tf.expandDims(tf.range(0, nj, 1, 'int32'), 0), tf.expandDims(tf.range(0, ni, 1, 'int32'), 1));
              kernel = tf.where(upper, kernel, tf.zerosLike(kernel));
            }
            return tf.sum(kernel);
          });
          total += readScalar(blockSum);
        }
      }
    } finally {
      squaredNorms.dispose();
    }
  } finally {
    x.dispose();
  }
  return Math.log(total / ((n * (n - 1)) / 2));
}

function readScalar(scalar: tf.Tensor): number {
  const value = scalar.dataSync()[0] as number;
  scalar.dispose();
  return value;
}
