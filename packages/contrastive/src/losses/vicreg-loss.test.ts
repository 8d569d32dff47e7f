import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { evaluate, expectGradientsMatchFiniteDifferences, expectNoLeak, expectRelClose, permuteRows, randomMatrix, seeds } from '@selfsup/test-utils';
import { refVicreg } from '../../test/reference.js';
import { vicregLoss, vicregTerms } from './vicreg-loss.js';

const loss = (a: tf.Tensor, b: tf.Tensor) => vicregLoss(a as tf.Tensor2D, b as tf.Tensor2D);

describe('vicregLoss', () => {
  it('equals the loop reference, term by term and weighted 25/25/1', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 6 }), (seed, n, d) => {
        const rng = createRng(seed);
        const scale = rng.choice([0.1, 1, 3]);
        const [z1, z2] = [randomMatrix(rng, n, d, scale), randomMatrix(rng, n, d, scale)];
        const ref = refVicreg(z1, z2);
        expectRelClose(evaluate(loss, z1, z2), ref.loss);
        const terms = tf.tidy(() => {
          const t = vicregTerms(tf.tensor2d(z1), tf.tensor2d(z2));
          return [t.invariance, t.variance, t.covariance].map((x) => x.dataSync()[0]!);
        });
        expectRelClose(terms[0]!, ref.invariance);
        expectRelClose(terms[1]!, ref.variance);
        expectRelClose(terms[2]!, ref.covariance);
        const weights = { invarianceWeight: 1, varianceWeight: 2, covarianceWeight: 3 };
        expectRelClose(
          evaluate((a, b) => vicregLoss(a as tf.Tensor2D, b as tf.Tensor2D, weights), z1, z2),
          refVicreg(z1, z2, { invariance: 1, variance: 2, covariance: 3 }).loss,
        );
      }),
      { numRuns: 40 },
    );
  });

  it('is >= 0, finite, symmetric and invariant to batch permutation', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 8 }), (seed, n) => {
        const rng = createRng(seed);
        const scale = rng.choice([1e-3, 1, 1e3]);
        const [z1, z2] = [randomMatrix(rng, n, 4, scale), randomMatrix(rng, n, 4, scale)];
        const base = evaluate(loss, z1, z2);
        expect(Number.isFinite(base)).toBe(true);
        expect(base).toBeGreaterThanOrEqual(0);
        expectRelClose(evaluate(loss, z2, z1), base);
        const order = rng.permutation(n);
        expectRelClose(evaluate(loss, permuteRows(z1, order), permuteRows(z2, order)), base);
      }),
      { numRuns: 30 },
    );
  });

  it('collapsed embeddings pay the full variance hinge: 25 * 2 * (1 - sqrt(1e-4))', () => {
    const same = Array.from({ length: 6 }, () => [0.5, -2, 1, 4]);
    expect(evaluate(loss, same, same)).toBeCloseTo(25 * 2 * 0.99, 3);
  });

  it('has the gradients of central finite differences', () => {
    const rng = createRng(12);
    expectGradientsMatchFiniteDifferences(loss, [randomMatrix(rng, 4, 3, 0.5), randomMatrix(rng, 4, 3, 0.5)], { atol: 1e-2 });
  });

  it('leaks no tensor and rejects bad arguments by name', () => {
    const z = tf.randomNormal([4, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    expectNoLeak(() => vicregLoss(z, z).dispose());
    expectNoLeak(() => tf.dispose(Object.values(vicregTerms(z, z))));
    expect(() => vicregLoss(z, z, { varianceWeight: Number.NaN })).toThrow(/options.varianceWeight must be a finite number >= 0; got NaN/);
    expect(() => vicregLoss(tf.zeros([1, 8]) as tf.Tensor2D, tf.zeros([1, 8]) as tf.Tensor2D)).toThrow(/N >= 2/);
    z.dispose();
  });
});
