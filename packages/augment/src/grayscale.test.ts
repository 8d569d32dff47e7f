import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { randomGrayscale, toGrayscale } from './grayscale.js';

describe('toGrayscale / randomGrayscale', () => {
  it('gives equal channels holding the BT.601 luma, within [0, 1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const x = seededImages(seed, 2, 3, 4);
        const y = toGrayscale(x);
        const xs = x.dataSync();
        const ys = y.dataSync();
        for (let p = 0; p < xs.length / 3; p++) {
          const luma = 0.299 * xs[3 * p]! + 0.587 * xs[3 * p + 1]! + 0.114 * xs[3 * p + 2]!;
          expect(ys[3 * p]).toBe(ys[3 * p + 1]);
          expect(ys[3 * p + 1]).toBe(ys[3 * p + 2]);
          expect(ys[3 * p]!).toBeCloseTo(luma, 5);
          expect(ys[3 * p]!).toBeGreaterThanOrEqual(0);
          expect(ys[3 * p]!).toBeLessThanOrEqual(1);
        }
        tf.dispose([x, y]);
      }),
      { numRuns: 15 },
    );
  });

  it('leaves grey batches unchanged and turns about p of the samples grey', () => {
    const grey = seededImages(1, 2, 3, 3, 1);
    const same = toGrayscale(grey);
    expect(maxAbsDiff(same, grey)).toBe(0);
    const x = seededImages(2, 300, 2, 2);
    const y = randomGrayscale({ p: 0.2 })(x, createRng(1));
    const rows = tf.tidy(() => {
      const spread = tf.sub(tf.max(y, 3), tf.min(y, 3));
      return tf.max(tf.reshape(spread, [300, -1]), 1).arraySync() as number[];
    });
    const greyRows = rows.filter((v) => v === 0).length;
    // Binomial(300, 0.2): mean 60, sd 6.9.
    expect(greyRows).toBeGreaterThan(35);
    expect(greyRows).toBeLessThan(85);
    tf.dispose([grey, same, x, y]);
    expectInvalid(() => randomGrayscale({ p: 2 }), 'options.p');
  });
});
