import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, seeds } from '@selfsup/test-utils';
import { value } from '../../test/helpers.js';
import { discriminatorLoss, generatorAdversarialLoss } from './adversarial.js';
import { angleRegressionLoss, meanAngularError, predictedAngles } from './angle.js';
import { weightedL2Loss } from './weighted-l2.js';

describe('weightedL2Loss', () => {
  it('is the weighted mean over every element of the region, as a loop over pixels and channels computes it', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const rng = createRng(seed);
        const [n, h, w, c] = [2, 3, 4, 3];
        const p = rng.uniformArray(n * h * w * c);
        const t = rng.uniformArray(n * h * w * c);
        const wt = Float32Array.from(rng.uniformArray(n * h * w), (v) => (v < 0.3 ? 0 : v < 0.6 ? 1 : 10));
        let sum = 0;
        for (let px = 0; px < n * h * w; px++) {
          for (let k = 0; k < c; k++) sum += wt[px]! * (p[px * c + k]! - t[px * c + k]!) ** 2;
        }
        const got = tf.tidy(() =>
          value(weightedL2Loss(tf.tensor4d(p, [n, h, w, c]), tf.tensor4d(t, [n, h, w, c]), tf.tensor4d(wt, [n, h, w, 1]))),
        );
        // The count is every element (n h w c), not the sum of the weights.
        expect(got).toBeCloseTo(sum / (n * h * w * c), 4);
      }),
      { numRuns: 20 },
    );
  });

  it('ignores the context (weight 0) and leaks nothing', () => {
    const target = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const pred = tf.ones([1, 4, 4, 3]) as tf.Tensor4D;
    const weights = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    expectNoLeak(() => weightedL2Loss(pred, target, weights));
    expect(tf.tidy(() => value(weightedL2Loss(pred, target, weights)))).toBe(0);
    expectInvalid(() => weightedL2Loss(pred, target, tf.zeros([1, 4, 4, 3]) as tf.Tensor4D), 'weights');
    // Weights 1 on one pixel of 16 with error 1 in each of 3 channels: 3 / 48, not 1 (the mean over weighted pixels).
    const onePixel = tf.tidy(() => tf.pad(tf.ones([1, 1, 1, 1]), [[0, 0], [0, 3], [0, 3], [0, 0]]) as tf.Tensor4D);
    expect(tf.tidy(() => value(weightedL2Loss(pred, target, onePixel)))).toBeCloseTo(1 / 16, 6);
    onePixel.dispose();
    tf.dispose([target, pred, weights]);
  });
});

describe('adversarial losses', () => {
  it('are the binary cross-entropies of a reference loop', () => {
    const real = [2, -1, 0.5];
    const fake = [-3, 0.2];
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    const dRef = -real.reduce((s, x) => s + Math.log(sigmoid(x)), 0) / real.length - fake.reduce((s, x) => s + Math.log(1 - sigmoid(x)), 0) / fake.length;
    const gRef = -fake.reduce((s, x) => s + Math.log(sigmoid(x)), 0) / fake.length;
    tf.tidy(() => {
      expect(value(discriminatorLoss(tf.tensor1d(real), tf.tensor1d(fake)))).toBeCloseTo(dRef, 5);
      expect(value(generatorAdversarialLoss(tf.tensor1d(fake)))).toBeCloseTo(gRef, 5);
      // Finite for extreme logits.
      expect(Number.isFinite(value(discriminatorLoss(tf.tensor1d([-200]), tf.tensor1d([200]))))).toBe(true);
    });
    expectInvalid(() => generatorAdversarialLoss(tf.tensor1d([])), 'fakeLogits');
  });
});

describe('angle regression', () => {
  it('is zero on the unit circle at the angle, with no seam at +-pi', () => {
    tf.tidy(() => {
      const angles = tf.tensor1d([0, 1, -2, Math.PI - 1e-3]);
      const points = tf.stack([tf.cos(angles), tf.sin(angles)], 1) as tf.Tensor2D;
      expect(value(angleRegressionLoss(points, angles))).toBeLessThan(1e-10);
      expect(meanAngularError(predictedAngles(points), angles)).toBeLessThan(1e-5);
      // 179 vs -179 degrees: 2 degrees apart.
      const a = tf.tensor1d([(179 * Math.PI) / 180]);
      const b = tf.tensor1d([(-179 * Math.PI) / 180]);
      expect(meanAngularError(a, b)).toBeCloseTo((2 * Math.PI) / 180, 5);
      // Loss against a reference: |p - (cos t, sin t)|^2.
      const p = tf.tensor2d([[0.5, 0.1]]);
      const t = tf.tensor1d([0.3]);
      expect(value(angleRegressionLoss(p, t))).toBeCloseTo((0.5 - Math.cos(0.3)) ** 2 + (0.1 - Math.sin(0.3)) ** 2, 5);
    });
    expectInvalid(() => angleRegressionLoss(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2]) as tf.Tensor1D), 'predictions');
  });
});
