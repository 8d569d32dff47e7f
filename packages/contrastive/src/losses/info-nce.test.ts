import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { evaluate, expectGradientsMatchFiniteDifferences, expectNoLeak, permuteRows, randomMatrix, seeds } from '@selfsup/test-utils';
import { refInfoNCE } from '../../test/reference.js';
import { infoNCE } from './info-nce.js';

const shared = (t: number, normalize = true) => (q: tf.Tensor, k: tf.Tensor, n: tf.Tensor) =>
  infoNCE(q as tf.Tensor2D, k as tf.Tensor2D, n as tf.Tensor2D, { temperature: t, normalize });

describe('infoNCE', () => {
  it('equals the loop reference, with shared and per-query negatives, normalised or not', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 6 }), fc.double({ min: 0.05, max: 2, noNaN: true }), (seed, n, m, t) => {
        const rng = createRng(seed);
        const d = 4;
        const [q, k, negs] = [randomMatrix(rng, n, d), randomMatrix(rng, n, d), randomMatrix(rng, m, d)];
        expect(evaluate(shared(t), q, k, negs)).toBeCloseTo(refInfoNCE(q, k, negs, t), 3);
        const small = [randomMatrix(rng, n, d, 0.3), randomMatrix(rng, n, d, 0.3), randomMatrix(rng, m, d, 0.3)] as const;
        expect(evaluate(shared(t, false), ...small)).toBeCloseTo(refInfoNCE(...small, t, false), 3);
        const perQuery = Array.from({ length: n }, () => randomMatrix(rng, m, d));
        const got = tf.tidy(() => infoNCE(tf.tensor2d(q), tf.tensor2d(k), tf.tensor3d(perQuery.flat(2), [n, m, d]), { temperature: t }).dataSync()[0]!);
        expect(got).toBeCloseTo(refInfoNCE(q, k, { perQuery }, t), 3);
      }),
      { numRuns: 30 },
    );
  });

  it('is invariant to permuting the negatives, and to scaling any embedding by a positive factor', () => {
    fc.assert(
      fc.property(seeds, fc.double({ min: 0.01, max: 100, noNaN: true }), (seed, factor) => {
        const rng = createRng(seed);
        const [q, k, negs] = [randomMatrix(rng, 3, 5), randomMatrix(rng, 3, 5), randomMatrix(rng, 6, 5)];
        const base = evaluate(shared(0.2), q, k, negs);
        expect(evaluate(shared(0.2), q, k, permuteRows(negs, rng.permutation(6)))).toBeCloseTo(base, 4);
        const scaleRow = (m: number[][], i: number) => m.map((r, ii) => (ii === i ? r.map((x) => x * factor) : r));
        expect(evaluate(shared(0.2), scaleRow(q, 1), k, negs)).toBeCloseTo(base, 4);
        expect(evaluate(shared(0.2), q, scaleRow(k, 2), scaleRow(negs, 4))).toBeCloseTo(base, 4);
      }),
      { numRuns: 30 },
    );
  });

  it('is finite and >= 0 for finite input, and log(1 + M) when every embedding is the same', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 8 }), fc.double({ min: 0.01, max: 5, noNaN: true }), (seed, n, m, t) => {
        const rng = createRng(seed);
        const scale = rng.choice([1e-3, 1, 1e3]);
        const value = evaluate(shared(t), randomMatrix(rng, n, 3, scale), randomMatrix(rng, n, 3, scale), randomMatrix(rng, m, 3, scale));
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
        const v = randomMatrix(rng, 1, 3)[0]!;
        const same = (rows: number) => Array.from({ length: rows }, () => [...v]);
        expect(evaluate(shared(t), same(n), same(n), same(m))).toBeCloseTo(Math.log(1 + m), 4);
      }),
      { numRuns: 30 },
    );
  });

  it('has the gradients of central finite differences', () => {
    const rng = createRng(11);
    for (const t of [0.5, 0.2]) {
      expectGradientsMatchFiniteDifferences(shared(t), [randomMatrix(rng, 3, 4), randomMatrix(rng, 3, 4), randomMatrix(rng, 4, 4)]);
    }
    expectGradientsMatchFiniteDifferences(shared(1, false), [randomMatrix(rng, 3, 4, 0.5), randomMatrix(rng, 3, 4, 0.5), randomMatrix(rng, 4, 4, 0.5)]);
    const perQuery = (q: tf.Tensor, k: tf.Tensor, n: tf.Tensor) =>
      infoNCE(q as tf.Tensor2D, k as tf.Tensor2D, tf.reshape(n, [3, 2, 4]) as tf.Tensor3D, { temperature: 0.5 });
    expectGradientsMatchFiniteDifferences(perQuery, [randomMatrix(rng, 3, 4), randomMatrix(rng, 3, 4), randomMatrix(rng, 6, 4)]);
  });

  it('leaks no tensor and rejects bad arguments by name', () => {
    const q = tf.randomNormal([4, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    const k = tf.randomNormal([4, 8], 0, 1, 'float32', 2) as tf.Tensor2D;
    const negs = tf.randomNormal([16, 8], 0, 1, 'float32', 3) as tf.Tensor2D;
    expectNoLeak(() => infoNCE(q, k, negs).dispose());
    const v = tf.variable(q);
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => infoNCE(v, k, negs), [v]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    v.dispose();
    expect(() => infoNCE(q, k, negs, { temperature: -1 })).toThrow(/options.temperature must be a finite number > 0; got -1/);
    expect(() => infoNCE(q, tf.zeros([3, 8]) as tf.Tensor2D, negs)).toThrow(/positive must be a tensor of shape \[4, 8\]/);
    expect(() => infoNCE(q, k, tf.zeros([16, 7]) as tf.Tensor2D)).toThrow(/negatives must be a \[M, 8\] or \[4, M, 8\] tensor/);
    expect(() => infoNCE(q, k, tf.zeros([3, 2, 8]) as tf.Tensor3D)).toThrow(/negatives must be/);
    expect(() => infoNCE(q, k, negs, { normalize: 'yes' as unknown as boolean })).toThrow(/options.normalize must be a boolean/);
    tf.dispose([q, k, negs]);
  });
});
