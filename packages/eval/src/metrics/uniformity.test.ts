import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { uniformity } from './uniformity.js';

/** log of the mean over pairs i < j of exp(-t ||x_i - x_j||^2), on normalised rows, in plain loops. */
function referenceUniformity(rows: number[][], t: number): number {
  const unit = rows.map((r) => {
    const n = Math.hypot(...r);
    return r.map((x) => x / Math.max(n, 1e-12));
  });
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < unit.length; i++) {
    for (let j = i + 1; j < unit.length; j++) {
      const d2 = unit[i]!.reduce((s, x, k) => s + (x - unit[j]![k]!) ** 2, 0);
      sum += Math.exp(-t * d2);
      pairs++;
    }
  }
  return Math.log(sum / pairs);
}

describe('uniformity', () => {
  it('matches log E exp(-t ||x - y||^2) on a hand-made set', () => {
    // (1, 0), (0, 1), (-1, 0): squared distances 2, 4, 2.
    const z = tf.tensor2d([
      [1, 0],
      [0, 1],
      [-1, 0],
    ]);
    expect(uniformity(z)).toBeCloseTo(Math.log((2 * Math.exp(-4) + Math.exp(-8)) / 3), 5);
    expect(uniformity(z, { t: 1 })).toBeCloseTo(Math.log((2 * Math.exp(-2) + Math.exp(-4)) / 3), 5);
    // Two antipodal points: the most uniform two-point set, log exp(-2 * 4) = -8.
    const antipodal = tf.tensor2d([
      [0, 2],
      [0, -5],
    ]);
    expect(uniformity(antipodal)).toBeCloseTo(-8, 5);
    // Collapse: every point equal gives log 1 = 0, the maximum.
    const collapsed = tf.tensor2d([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(uniformity(collapsed)).toBeCloseTo(0, 6);
    tf.dispose([z, antipodal, collapsed]);
  });

  it('matches the loop reference for any block size, without leaks (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 2, max: 17 }), fc.integer({ min: 1, max: 8 }), (seed, n, chunkSize) => {
        const rng = createRng(seed);
        const rows = Array.from({ length: n }, () => Array.from({ length: 3 }, () => rng.normal()));
        const z = tf.tensor2d(rows);
        const before = tf.memory().numTensors;
        const got = uniformity(z, { chunkSize });
        expect(tf.memory().numTensors).toBe(before);
        z.dispose();
        expect(got).toBeCloseTo(referenceUniformity(rows, 2), 4);
      }),
      { numRuns: 25 },
    );
  });

  it('needs two rows', () => {
    const one = tf.zeros([1, 3]) as tf.Tensor2D;
    expect(() => uniformity(one)).toThrow(/z must be a tensor with at least two rows/);
    one.dispose();
  });
});
