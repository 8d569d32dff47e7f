import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { evaluate, expectGradientsMatchFiniteDifferences, expectNoLeak, permuteRows, randomMatrix, seeds } from '@selfsup/test-utils';
import { refSimSiam } from '../../test/reference.js';
import { simSiamLoss } from './simsiam-loss.js';

const loss = (p: tf.Tensor, t: tf.Tensor) => simSiamLoss(p as tf.Tensor2D, t as tf.Tensor2D);

describe('simSiamLoss', () => {
  it('equals the loop reference -cos, averaged', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (seed, n, d) => {
        const rng = createRng(seed);
        const [p, t] = [randomMatrix(rng, n, d), randomMatrix(rng, n, d)];
        expect(evaluate(loss, p, t)).toBeCloseTo(refSimSiam(p, t), 4);
      }),
      { numRuns: 40 },
    );
  });

  it('is finite and in [-1, 1] (the published form; -1 when aligned), invariant to permutation and positive scaling', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.01, max: 100, noNaN: true }), (seed, n, factor) => {
        const rng = createRng(seed);
        const scale = rng.choice([1e-3, 1, 1e3]);
        const [p, t] = [randomMatrix(rng, n, 4, scale), randomMatrix(rng, n, 4, scale)];
        const base = evaluate(loss, p, t);
        expect(Number.isFinite(base)).toBe(true);
        expect(base).toBeGreaterThanOrEqual(-1 - 1e-5);
        expect(base).toBeLessThanOrEqual(1 + 1e-5);
        expect(evaluate(loss, p, p.map((r) => r.map((x) => x * factor)))).toBeCloseTo(-1, 5);
        const order = rng.permutation(n);
        expect(evaluate(loss, permuteRows(p, order), permuteRows(t, order))).toBeCloseTo(base, 4);
        expect(evaluate(loss, p, t.map((r) => r.map((x) => x * factor)))).toBeCloseTo(base, 4);
      }),
      { numRuns: 30 },
    );
  });

  it('has the gradients of central finite differences for the prediction, and none for the target (stop-gradient)', () => {
    const rng = createRng(4);
    const [p, t] = [randomMatrix(rng, 3, 4), randomMatrix(rng, 3, 4)];
    expectGradientsMatchFiniteDifferences(loss, [p, t], { wrt: [0] });
    const targetGrad = tf.tidy(() => tf.max(tf.abs(tf.grads(loss)([tf.tensor2d(p), tf.tensor2d(t)])[1]!)).dataSync()[0]);
    expect(targetGrad).toBe(0);
  });

  it('leaks no tensor and rejects bad arguments by name', () => {
    const p = tf.randomNormal([4, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    expectNoLeak(() => simSiamLoss(p, p).dispose());
    expect(() => simSiamLoss(p, tf.zeros([5, 8]) as tf.Tensor2D)).toThrow(/target must be a tensor of shape \[4, 8\]/);
    p.dispose();
  });
});
