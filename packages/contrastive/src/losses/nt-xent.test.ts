import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { evaluate, expectGradientsMatchFiniteDifferences, expectNoLeak, permuteRows, randomMatrix, seeds } from '@selfsup/test-utils';
import { refNtXent } from '../../test/reference.js';
import { ntXent } from './nt-xent.js';

const loss = (t: number) => (a: tf.Tensor, b: tf.Tensor) => ntXent(a as tf.Tensor2D, b as tf.Tensor2D, { temperature: t });

describe('ntXent', () => {
  it('equals the loop reference over the 2N anchors', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.05, max: 2, noNaN: true }), (seed, n, d, t) => {
        const rng = createRng(seed);
        const [z1, z2] = [randomMatrix(rng, n, d), randomMatrix(rng, n, d)];
        expect(evaluate(loss(t), z1, z2)).toBeCloseTo(refNtXent(z1, z2, t), 3);
      }),
      { numRuns: 40 },
    );
  });

  it('is invariant to permuting the batch, symmetric in (z1, z2), and blind to positive scaling', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 6 }), fc.double({ min: 0.01, max: 100, noNaN: true }), (seed, n, factor) => {
        const rng = createRng(seed);
        const [z1, z2] = [randomMatrix(rng, n, 4), randomMatrix(rng, n, 4)];
        const base = evaluate(loss(0.5), z1, z2);
        const order = rng.permutation(n);
        expect(evaluate(loss(0.5), permuteRows(z1, order), permuteRows(z2, order))).toBeCloseTo(base, 4);
        expect(evaluate(loss(0.5), z2, z1)).toBeCloseTo(base, 4);
        const row = rng.int(0, n);
        expect(evaluate(loss(0.5), z1.map((r, i) => (i === row ? r.map((x) => x * factor) : r)), z2)).toBeCloseTo(base, 4);
      }),
      { numRuns: 30 },
    );
  });

  it('is finite and >= 0, and log(2N - 1) when every embedding is the same', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 8 }), fc.double({ min: 0.01, max: 5, noNaN: true }), (seed, n, t) => {
        const rng = createRng(seed);
        const scale = rng.choice([1e-3, 1, 1e3]);
        const value = evaluate(loss(t), randomMatrix(rng, n, 3, scale), randomMatrix(rng, n, 3, scale));
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
        const v = randomMatrix(rng, 1, 3)[0]!;
        const same = Array.from({ length: n }, () => [...v]);
        expect(evaluate(loss(t), same, same)).toBeCloseTo(Math.log(2 * n - 1), 4);
      }),
      { numRuns: 30 },
    );
  });

  it('has the gradients of central finite differences', () => {
    const rng = createRng(5);
    for (const t of [0.5, 0.2]) expectGradientsMatchFiniteDifferences(loss(t), [randomMatrix(rng, 3, 4), randomMatrix(rng, 3, 4)]);
  });

  it('leaks no tensor and rejects bad arguments by name', () => {
    const z1 = tf.randomNormal([4, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    const z2 = tf.randomNormal([4, 8], 0, 1, 'float32', 2) as tf.Tensor2D;
    expectNoLeak(() => ntXent(z1, z2).dispose());
    expectNoLeak(() => tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => ntXent(a as tf.Tensor2D, b as tf.Tensor2D))([z1, z2])));
    expect(() => ntXent(z1, z2, { temperature: 0 })).toThrow(/options.temperature must be a finite number > 0; got 0/);
    expect(() => ntXent(z1, tf.zeros([4, 7]) as tf.Tensor2D)).toThrow(/z2 must be a tensor of shape \[4, 8\]/);
    expect(() => ntXent(tf.zeros([8]) as unknown as tf.Tensor2D, z2)).toThrow(/z1 must be a tensor of rank 2/);
    expect(() => ntXent(tf.zeros([0, 8]) as tf.Tensor2D, tf.zeros([0, 8]) as tf.Tensor2D)).toThrow(/z1 must be a \[N, D\] tensor with N >= 1/);
    tf.dispose([z1, z2]);
  });
});
