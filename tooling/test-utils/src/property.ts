// The set-up the property tests of losses share: fast-check seeds that feed selfsup's generator, random embedding
// matrices, evaluation of a tf function on plain arrays, and a finite-difference check of its gradients.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@selfsup/tensors';
import fc from 'fast-check';

export type Matrix = number[][];

/**
 * A seed for `createRng`: the arbitrary a property draws its data from, so fast-check shrinks the seed and the
 * sizes and a failure replays exactly: `fc.property(seeds, fc.integer({ min: 1, max: 6 }), (seed, n) => ...)`.
 */
export const seeds: fc.Arbitrary<number> = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** An [n, d] matrix of normal samples times `scale`. */
export function randomMatrix(rng: Rng, n: number, d: number, scale = 1): Matrix {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal(0, scale)));
}

/** Applies a permutation to the rows. */
export function permuteRows<T>(rows: readonly T[], order: readonly number[]): T[] {
  return order.map((i) => rows[i] as T);
}

/** Evaluates a scalar-valued tf function on plain arrays, leaving no tensor behind. */
export function evaluate(fn: (...xs: tf.Tensor[]) => tf.Scalar, ...inputs: (Matrix | Matrix[])[]): number {
  // An empty matrix (no rows) takes its width from the first non-empty input.
  const width = (inputs.find((x) => x.length > 0)?.[0] as number[] | undefined)?.length ?? 1;
  return tf.tidy(() => fn(...inputs.map((x) => (x.length === 0 ? tf.zeros([0, width]) : tf.tensor(x)))).dataSync()[0] as number);
}

/**
 * Checks tf's gradient of `fn` against central finite differences of `fn` itself (float32), entry by entry, for the
 * inputs listed in `wrt` (default: all). h is relative to the entry's magnitude, at least `h`.
 */
export function expectGradientsMatchFiniteDifferences(
  fn: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: Matrix[],
  options: { h?: number; atol?: number; rtol?: number; wrt?: number[] } = {},
): void {
  const h = options.h ?? 5e-3;
  const atol = options.atol ?? 3e-3;
  const rtol = options.rtol ?? 3e-2;
  const wrt = options.wrt ?? inputs.map((_, i) => i);
  const analytic = tf.tidy(() => {
    const tensors = inputs.map((x) => tf.tensor2d(x));
    return tf.grads((...xs: tf.Tensor[]) => fn(...xs))(tensors).map((g) => g.arraySync() as Matrix);
  });
  for (const k of wrt) {
    const x = inputs[k] as Matrix;
    x.forEach((row, i) =>
      row.forEach((value, j) => {
        const step = h * Math.max(1, Math.abs(value));
        const at = (v: number) => {
          const copy = inputs.map((m, idx) => (idx === k ? m.map((r, ii) => (ii === i ? r.map((e, jj) => (jj === j ? v : e)) : r)) : m));
          return evaluate(fn, ...copy);
        };
        const numeric = (at(value + step) - at(value - step)) / (2 * step);
        const got = analytic[k]![i]![j] as number;
        if (Math.abs(got - numeric) > atol + rtol * Math.abs(numeric)) {
          throw new Error(`d/d input${k}[${i}][${j}]: autodiff ${got}, finite difference ${numeric}`);
        }
      }),
    );
  }
}

