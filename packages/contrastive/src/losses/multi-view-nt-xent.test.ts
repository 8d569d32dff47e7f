import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { evaluate, expectGradientsMatchFiniteDifferences, expectNoLeak, permuteRows, randomMatrix, seeds } from '@selfsup/test-utils';
import { refMultiViewNtXent } from '../../test/reference.js';
import { multiViewNtXent } from './multi-view-nt-xent.js';
import { ntXent } from './nt-xent.js';

const loss =
  (t: number) =>
  (...views: tf.Tensor[]) =>
    multiViewNtXent(views as tf.Tensor2D[], { temperature: t });

describe('multiViewNtXent', () => {
  it('equals the loop reference over the VN anchors', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.05, max: 2, noNaN: true }), (seed, v, n, d, t) => {
        const rng = createRng(seed);
        const views = Array.from({ length: v }, () => randomMatrix(rng, n, d));
        expect(evaluate(loss(t), ...views)).toBeCloseTo(refMultiViewNtXent(views, t), 3);
      }),
      { numRuns: 40 },
    );
  });

  it('is ntXent with two views', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.05, max: 2, noNaN: true }), (seed, n, t) => {
        const rng = createRng(seed);
        const [z1, z2] = [randomMatrix(rng, n, 4), randomMatrix(rng, n, 4)];
        const pair = (a: tf.Tensor, b: tf.Tensor) => ntXent(a as tf.Tensor2D, b as tf.Tensor2D, { temperature: t });
        expect(evaluate(loss(t), z1, z2)).toBeCloseTo(evaluate(pair, z1, z2), 5);
      }),
      { numRuns: 30 },
    );
  });

  it('is invariant to permuting the batch and the order of the views', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 5 }), (seed, n) => {
        const rng = createRng(seed);
        const views = [randomMatrix(rng, n, 3), randomMatrix(rng, n, 3), randomMatrix(rng, n, 3)];
        const base = evaluate(loss(0.5), ...views);
        const order = rng.permutation(n);
        expect(evaluate(loss(0.5), ...views.map((m) => permuteRows(m, order)))).toBeCloseTo(base, 4);
        expect(evaluate(loss(0.5), ...[...views].reverse())).toBeCloseTo(base, 4);
      }),
      { numRuns: 30 },
    );
  });

  it('has the gradients of central finite differences', () => {
    const rng = createRng(7);
    expectGradientsMatchFiniteDifferences(loss(0.5), [randomMatrix(rng, 3, 4), randomMatrix(rng, 3, 4), randomMatrix(rng, 3, 4)]);
  });

  it('leaks no tensor and rejects bad arguments by name', () => {
    const z = [0, 1, 2].map((s) => tf.randomNormal([4, 8], 0, 1, 'float32', s) as tf.Tensor2D);
    expectNoLeak(() => multiViewNtXent(z).dispose());
    expectNoLeak(() => tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => multiViewNtXent([a, b, c] as tf.Tensor2D[]))(z)));
    expect(() => multiViewNtXent([z[0] as tf.Tensor2D])).toThrow(/views must be an array of at least two \[N, D\] tensors/);
    expect(() => multiViewNtXent([...z, tf.zeros([4, 7]) as tf.Tensor2D])).toThrow(/views\[3\] must be a tensor of shape \[4, 8\]/);
    expect(() => multiViewNtXent(z, { temperature: -1 })).toThrow(/options.temperature must be a finite number > 0; got -1/);
    tf.dispose(z);
  });
});
