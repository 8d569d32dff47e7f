import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { evaluate, expectGradientsMatchFiniteDifferences, expectNoLeak, expectRelClose, permuteRows, randomMatrix, seeds } from '@selfsup/test-utils';
import { refBarlowTwins } from '../../test/reference.js';
import { barlowTwinsLoss } from './barlow-twins-loss.js';

const loss = (a: tf.Tensor, b: tf.Tensor) => barlowTwinsLoss(a as tf.Tensor2D, b as tf.Tensor2D);

describe('barlowTwinsLoss', () => {
  it('equals the loop reference, default lambda 0.0051 and others', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, n, d, lambda) => {
        const rng = createRng(seed);
        const [z1, z2] = [randomMatrix(rng, n, d), randomMatrix(rng, n, d)];
        expectRelClose(evaluate(loss, z1, z2), refBarlowTwins(z1, z2));
        expectRelClose(evaluate((a, b) => barlowTwinsLoss(a as tf.Tensor2D, b as tf.Tensor2D, { lambda }), z1, z2), refBarlowTwins(z1, z2, lambda));
      }),
      { numRuns: 40 },
    );
  });

  it('is >= 0, finite, symmetric, invariant to batch permutation and to positive scaling of a view', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 8 }), fc.double({ min: 0.5, max: 100, noNaN: true }), (seed, n, factor) => {
        const rng = createRng(seed);
        const [z1, z2] = [randomMatrix(rng, n, 4), randomMatrix(rng, n, 4)];
        const base = evaluate(loss, z1, z2);
        expect(Number.isFinite(base)).toBe(true);
        expect(base).toBeGreaterThanOrEqual(0);
        expectRelClose(evaluate(loss, z2, z1), base);
        const order = rng.permutation(n);
        expectRelClose(evaluate(loss, permuteRows(z1, order), permuteRows(z2, order)), base);
        // Exactly invariant up to eps: with eps far below every column's variance, scaling changes nothing.
        const tinyEps = (a: tf.Tensor, b: tf.Tensor) => barlowTwinsLoss(a as tf.Tensor2D, b as tf.Tensor2D, { epsilon: 1e-10 });
        expectRelClose(evaluate(tinyEps, z1.map((r) => r.map((x) => x * factor)), z2), evaluate(tinyEps, z1, z2));
      }),
      { numRuns: 30 },
    );
  });

  it('is D when every sample is the same (zero correlation), and near 0 for identical decorrelated views', () => {
    const same = Array.from({ length: 5 }, () => [0.3, -1, 2]);
    expect(evaluate(loss, same, same)).toBeCloseTo(3, 4);
    // Columns of a scaled Hadamard design: zero mean, unit variance, uncorrelated.
    const h = [
      [1, 1, 1],
      [1, -1, 1],
      [1, 1, -1],
      [1, -1, -1],
    ].map((r) => [r[1]!, r[2]!, r[1]! * r[2]!]);
    expect(evaluate(loss, h, h)).toBeLessThan(1e-4);
  });

  it('has the gradients of central finite differences', () => {
    const rng = createRng(8);
    expectGradientsMatchFiniteDifferences(loss, [randomMatrix(rng, 4, 3), randomMatrix(rng, 4, 3)]);
  });

  it('leaks no tensor and rejects bad arguments by name', () => {
    const z = tf.randomNormal([4, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    expectNoLeak(() => barlowTwinsLoss(z, z).dispose());
    expect(() => barlowTwinsLoss(tf.zeros([1, 8]) as tf.Tensor2D, tf.zeros([1, 8]) as tf.Tensor2D)).toThrow(/z1 must be a \[N, D\] tensor with N >= 2/);
    expect(() => barlowTwinsLoss(z, z, { lambda: -1 })).toThrow(/options.lambda must be a finite number >= 0; got -1/);
    z.dispose();
  });
});
