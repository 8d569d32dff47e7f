import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { evaluate, expectGradientsMatchFiniteDifferences, expectNoLeak, permuteRows, randomMatrix, seeds } from '@selfsup/test-utils';
import { refClip } from '../../test/reference.js';
import { clipLoss } from './clip-loss.js';

const loss = (s: number) => (a: tf.Tensor, b: tf.Tensor) => clipLoss(a as tf.Tensor2D, b as tf.Tensor2D, { logitScale: s });

describe('clipLoss', () => {
  it('equals the loop reference (rows and columns cross-entropy, averaged)', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.5, max: 100, noNaN: true }), (seed, n, d, s) => {
        const rng = createRng(seed);
        const [a, b] = [randomMatrix(rng, n, d), randomMatrix(rng, n, d)];
        const ref = refClip(a, b, s);
        expect(Math.abs(evaluate(loss(s), a, b) - ref)).toBeLessThan(1e-3 * Math.max(1, ref));
      }),
      { numRuns: 40 },
    );
  });

  it('uses the scale itself, not its log; a scalar tensor gives the same as the number', () => {
    const rng = createRng(3);
    const [a, b] = [randomMatrix(rng, 4, 5), randomMatrix(rng, 4, 5)];
    expect(evaluate(loss(10), a, b)).toBeCloseTo(refClip(a, b, 10), 4);
    const withTensor = tf.tidy(() => clipLoss(tf.tensor2d(a), tf.tensor2d(b), { logitScale: tf.scalar(10) }).dataSync()[0]!);
    expect(withTensor).toBeCloseTo(refClip(a, b, 10), 4);
    expect(evaluate((x, y) => clipLoss(x as tf.Tensor2D, y as tf.Tensor2D), a, b)).toBeCloseTo(refClip(a, b, 1 / 0.07), 3);
  });

  it('is invariant to permuting the pairs and to scaling an embedding by a positive factor', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 6 }), fc.double({ min: 0.01, max: 100, noNaN: true }), (seed, n, factor) => {
        const rng = createRng(seed);
        const [a, b] = [randomMatrix(rng, n, 4), randomMatrix(rng, n, 4)];
        const base = evaluate(loss(5), a, b);
        const order = rng.permutation(n);
        expect(evaluate(loss(5), permuteRows(a, order), permuteRows(b, order))).toBeCloseTo(base, 4);
        expect(evaluate(loss(5), b, a)).toBeCloseTo(base, 4);
        const row = rng.int(0, n);
        expect(evaluate(loss(5), a, b.map((r, i) => (i === row ? r.map((x) => x * factor) : r)))).toBeCloseTo(base, 4);
      }),
      { numRuns: 30 },
    );
  });

  it('is finite and >= 0, and log(N) when every embedding is the same', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 8 }), fc.double({ min: 0.5, max: 100, noNaN: true }), (seed, n, s) => {
        const rng = createRng(seed);
        const scale = rng.choice([1e-3, 1, 1e3]);
        const value = evaluate(loss(s), randomMatrix(rng, n, 3, scale), randomMatrix(rng, n, 3, scale));
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
        const v = randomMatrix(rng, 1, 3)[0]!;
        const same = Array.from({ length: n }, () => [...v]);
        expect(evaluate(loss(s), same, same)).toBeCloseTo(Math.log(n), 4);
      }),
      { numRuns: 30 },
    );
  });

  it('has the gradients of central finite differences, also with respect to the scale', () => {
    const rng = createRng(9);
    for (const s of [2, 8]) expectGradientsMatchFiniteDifferences(loss(s), [randomMatrix(rng, 3, 4), randomMatrix(rng, 3, 4)]);
    const [a, b] = [randomMatrix(rng, 3, 4), randomMatrix(rng, 3, 4)];
    const ofScale = (s: tf.Tensor) => clipLoss(tf.tensor2d(a), tf.tensor2d(b), { logitScale: tf.reshape(s, []) as tf.Scalar });
    expectGradientsMatchFiniteDifferences(ofScale, [[[3]]]);
  });

  it('leaks no tensor and rejects bad arguments by name', () => {
    const a = tf.randomNormal([4, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([4, 8], 0, 1, 'float32', 2) as tf.Tensor2D;
    expectNoLeak(() => clipLoss(a, b).dispose());
    expect(() => clipLoss(a, b, { logitScale: 0 })).toThrow(/options.logitScale must be a finite number > 0 or a scalar tensor; got 0/);
    expect(() => clipLoss(a, b, { logitScale: tf.zeros([2]) as unknown as tf.Scalar })).toThrow(/options.logitScale must be a tensor of rank 0/);
    expect(() => clipLoss(a, tf.zeros([3, 8]) as tf.Tensor2D)).toThrow(/b must be a tensor of shape \[4, 8\]/);
    tf.dispose([a, b]);
  });
});
