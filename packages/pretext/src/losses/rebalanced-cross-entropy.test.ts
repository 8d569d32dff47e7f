import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, seeds } from '@selfsup/test-utils';
import { value } from '../../test/helpers.js';
import { rebalancedCrossEntropy } from './rebalanced-cross-entropy.js';

function reference(logits: Float32Array, targets: Float32Array, n: number, p: number, q: number, w: Float32Array, mask: Float32Array): number {
  let total = 0;
  let included = 0;
  for (let i = 0; i < n; i++) {
    included += mask[i]!;
    for (let j = 0; j < p; j++) {
      const row = (i * p + j) * q;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < q; k++) max = Math.max(max, logits[row + k]!);
      let z = 0;
      for (let k = 0; k < q; k++) z += Math.exp(logits[row + k]! - max);
      let ce = 0;
      let best = 0;
      for (let k = 0; k < q; k++) {
        ce -= targets[row + k]! * (logits[row + k]! - max - Math.log(z));
        if (targets[row + k]! > targets[row + best]!) best = k;
      }
      total += mask[i]! * w[best]! * ce;
    }
  }
  return included > 0 ? total / (included * p) : 0;
}

describe('rebalancedCrossEntropy', () => {
  it('matches a loop: per-position soft cross-entropy weighted by the dominant class, grey samples left out', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const rng = createRng(seed);
        const [n, h, w, q] = [3, 2, 3, 5];
        const p = h * w;
        const logits = rng.normalArray(n * p * q, 0, 2);
        const targets = new Float32Array(n * p * q);
        for (let r = 0; r < n * p; r++) {
          const raw = rng.uniformArray(q);
          const s = raw.reduce((a, b) => a + b, 0);
          for (let k = 0; k < q; k++) targets[r * q + k] = raw[k]! / s;
        }
        const weights = rng.uniformArray(q, 0.2, 3);
        const mask = Float32Array.from({ length: n }, () => (rng.bernoulli(0.7) ? 1 : 0));
        const got = tf.tidy(() =>
          value(
            rebalancedCrossEntropy(tf.tensor4d(logits, [n, h, w, q]), tf.tensor4d(targets, [n, h, w, q]), {
              classWeights: tf.tensor1d(weights),
              sampleMask: tf.tensor1d(mask),
            }),
          ),
        );
        expect(got).toBeCloseTo(reference(logits, targets, n, p, q, weights, mask), 4);
      }),
      { numRuns: 20 },
    );
  });

  it('without weights is the plain soft cross-entropy; leaks nothing; validates', () => {
    const logits = tf.tensor2d([[1, 2, 3]]);
    const targets = tf.tensor2d([[0, 0, 1]]);
    const expected = -(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)));
    expect(tf.tidy(() => value(rebalancedCrossEntropy(logits, targets)))).toBeCloseTo(expected, 5);
    const ones = tf.ones([3]) as tf.Tensor1D;
    expectNoLeak(() => rebalancedCrossEntropy(logits, targets, { classWeights: ones }));
    expectInvalid(() => rebalancedCrossEntropy(logits, tf.zeros([1, 4])), 'targets');
    expectInvalid(() => rebalancedCrossEntropy(logits, targets, { sampleMask: tf.ones([2]) as tf.Tensor1D }), 'options.sampleMask');
    tf.dispose([logits, targets, ones]);
  });
});
