import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { alignment } from './alignment.js';

describe('alignment', () => {
  it('matches E ||x - y||^alpha on a hand-made pair set', () => {
    const z1 = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const z2 = tf.tensor2d([
      [0, 1],
      [0, 1],
    ]);
    // Distances sqrt(2) and 0.
    expect(alignment(z1, z2)).toBeCloseTo(1, 6); // (2 + 0) / 2
    expect(alignment(z1, z2, { alpha: 1 })).toBeCloseTo(Math.SQRT2 / 2, 6);
    // Normalisation on by default: scaling a row does not change the result.
    const scaled = tf.tensor2d([
      [3, 0],
      [0, 0.5],
    ]);
    expect(alignment(scaled, z2)).toBeCloseTo(1, 6);
    // Without it, raw distances: |(3, -1)|^2 = 10, |(0, -0.5)|^2 = 0.25.
    expect(alignment(scaled, z2, { normalize: false })).toBeCloseTo((10 + 0.25) / 2, 5);
    tf.dispose([z1, z2, scaled]);
  });

  it('is 0 for identical views, at most 4 for alpha 2, and leaks nothing', () => {
    const rng = createRng(1);
    const z = tf.tensor2d(rng.normalArray(40), [10, 4]);
    const other = tf.tensor2d(rng.normalArray(40), [10, 4]);
    const before = tf.memory().numTensors;
    expect(alignment(z, z)).toBeCloseTo(0, 6);
    const a = alignment(z, other);
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThanOrEqual(4);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, other]);
  });

  it('rejects mismatched shapes and a bad alpha', () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const b = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => alignment(a, b)).toThrow(/z2 must be a tensor of the same shape as z1/);
    expect(() => alignment(a, a, { alpha: 0 })).toThrow(/options\.alpha must be a finite number > 0; got 0/);
    tf.dispose([a, b]);
  });
});
