import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cpcImage, cpcSequence } from './front-ends.js';

describe('CPC front ends', () => {
  it('cpcImage cuts an overlapping grid in (sample, row, col) order', () => {
    const front = cpcImage({ patchSize: 4, stride: 2 });
    expect(front.grid([8, 6, 1])).toEqual({ rows: 3, cols: 2, pieceShape: [4, 4, 1] });
    // Pixel value = 100 * sample + 10 * y + x, so each patch's top-left pixel says where it came from.
    const images = tf.tidy(() => {
      const values = Array.from({ length: 2 * 8 * 6 }, (_, i) => {
        const n = Math.floor(i / 48);
        const y = Math.floor((i % 48) / 6);
        return 100 * n + 10 * y + (i % 6);
      });
      return tf.tensor4d(values, [2, 8, 6, 1]);
    });
    const patches = front.split(images);
    expect(patches.shape).toEqual([12, 4, 4, 1]);
    const corners = tf.tidy(() => Array.from(tf.slice(patches, [0, 0, 0, 0], [12, 1, 1, 1]).dataSync()));
    expect(corners).toEqual([0, 2, 20, 22, 40, 42, 100, 102, 120, 122, 140, 142]);
    tf.dispose([images, patches]);
    expect(() => cpcImage({ patchSize: 10 }).grid([8, 8, 1])).toThrow(/images must be images at least 10 x 10/);
  });

  it('cpcSequence cuts windows along the width', () => {
    const front = cpcSequence({ window: 3, hop: 2 });
    expect(front.grid([1, 9, 2])).toEqual({ rows: 4, cols: 1, pieceShape: [1, 3, 2] });
    const signal = tf.tidy(() => tf.reshape(tf.range(0, 18), [1, 1, 9, 2]) as tf.Tensor4D);
    const steps = front.split(signal);
    expect(steps.shape).toEqual([4, 1, 3, 2]);
    expect(tf.tidy(() => Array.from(tf.slice(steps, [0, 0, 0, 0], [4, 1, 1, 1]).dataSync()))).toEqual([0, 4, 8, 12]);
    tf.dispose([signal, steps]);
    expect(() => cpcSequence({ window: 0 })).toThrow(/options.window must be an integer >= 1; got 0/);
  });
});
