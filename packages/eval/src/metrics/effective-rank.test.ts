import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { effectiveRank, effectiveRankOfSingularValues, singularValues } from './effective-rank.js';

/** Random m x k matrix with orthonormal columns (Gram-Schmidt on Gaussian columns). */
function orthonormalColumns(m: number, k: number, seed: number): number[][] {
  const rng = createRng(seed);
  const cols: number[][] = [];
  while (cols.length < k) {
    let v = Array.from({ length: m }, () => rng.normal());
    for (const c of cols) {
      const dot = v.reduce((s, x, i) => s + x * c[i]!, 0);
      v = v.map((x, i) => x - dot * c[i]!);
    }
    const norm = Math.hypot(...v);
    cols.push(v.map((x) => x / norm));
  }
  return cols;
}

describe('effectiveRank', () => {
  it('is exp(entropy) of normalised singular values: hand-computed cases', () => {
    // Singular values 3 and 1: p = (0.75, 0.25).
    const expected = Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)));
    expect(effectiveRankOfSingularValues([3, 1])).toBeCloseTo(expected, 12);
    const diag = tf.tensor2d([
      [3, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(effectiveRank(diag)).toBeCloseTo(expected, 6);
    // Rank one: every row a multiple of one vector.
    const rankOne = tf.tensor2d([
      [1, 2, 3],
      [2, 4, 6],
      [-1, -2, -3],
      [0.5, 1, 1.5],
    ]);
    expect(effectiveRank(rankOne)).toBeCloseTo(1, 5);
    // Equal singular values: the full rank.
    const identity = tf.eye(5) as tf.Tensor2D;
    expect(effectiveRank(identity)).toBeCloseTo(5, 9);
    const zeros = tf.zeros([4, 3]) as tf.Tensor2D;
    expect(effectiveRank(zeros)).toBe(0);
    tf.dispose([diag, rankOne, identity, zeros]);
  });

  it('recovers planted singular values of U diag(s) V^T (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.double({ min: 0.01, max: 10, noNaN: true }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (seed, planted, tall) => {
          const k = planted.length;
          const [n, d] = tall ? [k + 4, k + 1] : [k + 1, k + 6];
          const u = orthonormalColumns(n, k, seed);
          const v = orthonormalColumns(d, k, seed + 1);
          const rows = Array.from({ length: n }, (_, i) =>
            Array.from({ length: d }, (_, j) => planted.reduce((s, sv, c) => s + sv * u[c]![i]! * v[c]![j]!, 0)),
          );
          const z = tf.tensor2d(rows);
          const got = singularValues(z);
          z.dispose();
          const want = [...planted].sort((a, b) => b - a);
          want.forEach((s, i) => {
    expect(got[i]!).toBeCloseTo(s, 4);
  });
          for (let i = k; i < got.length; i++) expect(got[i]!).toBeLessThan(1e-5);
          expect(effectiveRankOfSingularValues(got)).toBeCloseTo(effectiveRankOfSingularValues(want), 3);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('centres when asked and subsamples rows deterministically', () => {
    // Rows (1, 0) + offset along (0, 1): rank 2 raw, rank 1 once centred.
    const z = tf.tensor2d([
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 5],
    ]);
    expect(effectiveRank(z)).toBeGreaterThan(1.2);
    expect(effectiveRank(z, { center: true })).toBeCloseTo(1, 6);
    expect(effectiveRank(z, { maxSamples: 2 })).toBe(effectiveRank(z, { maxSamples: 2 }));
    expect(() => effectiveRank(z, { maxSamples: 0 })).toThrow(/options\.maxSamples must be an integer >= 1; got 0/);
    z.dispose();
  });
});
