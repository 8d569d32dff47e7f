import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { pca, pca2d } from './pca.js';

describe('pca', () => {
  it('finds the planted axes and their variance share', () => {
    // Points spread 10x along (1, 1, 0)/sqrt2 and 1x along (0, 0, 1), none along (1, -1, 0).
    const rng = createRng(4);
    const rows = Array.from({ length: 400 }, () => {
      const a = rng.normal(0, 10);
      const b = rng.normal(0, 1);
      return [5 + a * Math.SQRT1_2, -2 + a * Math.SQRT1_2, 1 + b];
    });
    const x = tf.tensor2d(rows);
    const before = tf.memory().numTensors;
    const result = pca2d(x);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.components).toBe(2);
    expect(result.explainedVarianceRatio[0]!).toBeCloseTo(100 / 101, 1);
    expect(result.explainedVarianceRatio[0]! + result.explainedVarianceRatio[1]!).toBeCloseTo(1, 5);
    // First coordinate is the (centred) projection on (1, 1, 0)/sqrt2, up to the fixed sign.
    const means = [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
    rows.slice(0, 20).forEach((r, i) => {
      const ref = ((r[0]! - means[0]!) + (r[1]! - means[1]!)) * Math.SQRT1_2;
      expect(Math.abs(result.points[2 * i]!)).toBeCloseTo(Math.abs(ref), 2);
      expect(Math.abs(result.points[2 * i + 1]!)).toBeCloseTo(Math.abs(r[2]! - means[2]!), 1);
    });
    expect(Array.from(pca2d(x).points)).toEqual(Array.from(result.points));
    x.dispose();
  });

  it('validates its arguments', () => {
    const x = tf.tensor2d([[1, 2]]);
    expect(() => pca(x)).toThrow(/features must be at least two rows/);
    const y = tf.tensor2d([[1, 2], [3, 4]]);
    expect(() => pca(y, 3)).toThrow(/components must be an integer in \[1, 2\]; got 3/);
    tf.dispose([x, y]);
  });
});
