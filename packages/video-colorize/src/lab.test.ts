import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { labToRgb, rgbToLab } from './lab.js';

describe('Lab conversion', () => {
  it('matches reference values (skimage, D65)', () => {
    const rgb = tf.tensor2d([
      [1, 1, 1],
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0.5, 0.5, 0.5],
    ]);
    const lab = rgbToLab(rgb).arraySync() as number[][];
    const expected = [
      [100, 0, 0],
      [0, 0, 0],
      [53.241, 80.092, 67.203],
      [87.735, -86.183, 83.179],
      [32.297, 79.188, -107.86],
      [53.389, 0, 0],
    ];
    expected.forEach((row, i) => row.forEach((v, k) => expect(lab[i]![k]!).toBeCloseTo(v, 1)));
    rgb.dispose();
  });

  it('labToRgb inverts rgbToLab', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), (c) => {
        const back = tf.tidy(() => Array.from(labToRgb(rgbToLab(tf.tensor1d(c))).dataSync()));
        back.forEach((v, k) => expect(v).toBeCloseTo(c[k]!, 3));
      }),
      { numRuns: 40 },
    );
  });

  it('rejects tensors without 3 channels', () => {
    expect(() => rgbToLab(tf.zeros([2, 2]))).toThrow(/rgb must be a tensor whose last dimension is 3/);
  });
});
