import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { mapPixels, referenceRgbToHsv } from '../test/helpers.js';
import { hsvToRgb, rgbToHsv } from './hsv.js';

describe('rgbToHsv / hsvToRgb', () => {
  it('match colorsys and round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const x = seededImages(seed, 2, 3, 4);
        const hsv = rgbToHsv(x);
        const expected = tf.tensor4d(mapPixels(x.dataSync(), 3, ([r, g, b]) => referenceRgbToHsv(r!, g!, b!)), x.shape);
        expect(maxAbsDiff(hsv, expected)).toBeLessThan(1e-5);
        const back = hsvToRgb(hsv);
        expect(maxAbsDiff(back, x)).toBeLessThan(1e-5);
        tf.dispose([x, hsv, expected, back]);
      }),
      { numRuns: 15 },
    );
  });

  it('gives greys hue 0 and saturation 0, and rejects grey batches', () => {
    const grey = tf.tensor4d([0.3, 0.3, 0.3, 0, 0, 0], [1, 1, 2, 3]);
    expect(Array.from(rgbToHsv(grey).dataSync())).toEqual([0, 0, expect.closeTo(0.3, 6), 0, 0, 0]);
    const one = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expectInvalid(() => rgbToHsv(one), 'RGB batch');
    tf.dispose([grey, one]);
  });
});
