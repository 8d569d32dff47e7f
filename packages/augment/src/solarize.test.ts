import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { randomSolarize, solarize } from './solarize.js';

describe('solarize', () => {
  it('inverts values at or above the threshold and keeps the rest', () => {
    const x = tf.tensor4d([0, 0.2, 0.5, 0.9, 1], [1, 1, 5, 1]);
    const y = solarize(x);
    expect(Array.from(y.dataSync()).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 0.2, 0.5, 0.1, 0]);
    const z = solarize(x, 0.1);
    expect(Array.from(z.dataSync()).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 0.8, 0.5, 0.1, 0]);
    tf.dispose([x, y, z]);
  });

  it('randomSolarize with p 0 is the identity; p 1 solarizes everything', () => {
    const x = seededImages(1, 4, 3, 3);
    const none = randomSolarize({ p: 0 })(x, createRng(0));
    const all = randomSolarize({ p: 1 })(x, createRng(0));
    const expected = solarize(x);
    expect(maxAbsDiff(none, x)).toBe(0);
    expect(maxAbsDiff(all, expected)).toBe(0);
    tf.dispose([x, none, all, expected]);
    expectInvalid(() => randomSolarize({ threshold: 2 }), 'options.threshold');
  });
});
