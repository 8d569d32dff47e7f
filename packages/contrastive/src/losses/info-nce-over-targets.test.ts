import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { evaluate, expectGradientsMatchFiniteDifferences, expectNoLeak, randomMatrix, seeds } from '@selfsup/test-utils';
import { refInfoNCE } from '../../test/reference.js';
import { infoNCEOverTargets } from './info-nce-over-targets.js';

const loss = (t: number) => (p: tf.Tensor, k: tf.Tensor) => infoNCEOverTargets(p as tf.Tensor2D, k as tf.Tensor2D, { temperature: t });

describe('infoNCEOverTargets', () => {
  it('equals infoNCE with every other target as a per-query negative, unnormalised', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.2, max: 2, noNaN: true }), (seed, n, t) => {
        const rng = createRng(seed);
        const [p, k] = [randomMatrix(rng, n, 3, 0.7), randomMatrix(rng, n, 3, 0.7)];
        const perQuery = p.map((_, i) => k.filter((_, j) => j !== i));
        expect(evaluate(loss(t), p, k)).toBeCloseTo(refInfoNCE(p, k, { perQuery }, t, false), 3);
      }),
      { numRuns: 30 },
    );
  });

  it('has the gradients of central finite differences, leaks nothing and checks its arguments', () => {
    const rng = createRng(1);
    expectGradientsMatchFiniteDifferences(loss(1), [randomMatrix(rng, 4, 3, 0.5), randomMatrix(rng, 4, 3, 0.5)]);
    const a = tf.ones([3, 2]) as tf.Tensor2D;
    expectNoLeak(() => infoNCEOverTargets(a, a).dispose());
    expect(evaluate(loss(1), [[1, 1], [1, 1], [1, 1]], [[1, 1], [1, 1], [1, 1]])).toBeCloseTo(Math.log(3), 5);
    expect(() => infoNCEOverTargets(a, tf.ones([2, 2]) as tf.Tensor2D)).toThrow(/targets must be a tensor of shape \[3, 2\]/);
    a.dispose();
  });
});
