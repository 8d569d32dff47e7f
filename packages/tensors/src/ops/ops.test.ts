import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cosineSimilarity, cosineSimilarityMatrix } from './cosine-similarity.js';
import { accuracy, softCrossEntropy, sparseCrossEntropy } from './cross-entropy.js';
import { imageGrid } from './image-grid.js';
import { l2Normalize } from './l2-normalize.js';

const matrix = (rows: number, cols: number) =>
  fc.array(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });

const refCos = (a: number[], b: number[]) => {
  const dot = a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
  const na = Math.max(Math.hypot(...a), 1e-12);
  const nb = Math.max(Math.hypot(...b), 1e-12);
  return dot / (na * nb);
};

describe('tensor helpers', () => {
  it('l2Normalize gives unit rows (zero rows stay zero)', () => {
    fc.assert(
      fc.property(matrix(3, 4), (m) => {
        const norms = tf.tidy(() => Array.from(tf.norm(l2Normalize(tf.tensor2d(m)), 2, 1).dataSync()));
        norms.forEach((n, i) => expect(n).toBeCloseTo(m[i]!.some((x) => Math.abs(x) > 1e-6) ? 1 : n, 4));
      }),
      { numRuns: 30 },
    );
  });

  it('cosineSimilarityMatrix equals the pairwise reference', () => {
    fc.assert(
      fc.property(matrix(3, 4), matrix(2, 4), (a, b) => {
        const got = tf.tidy(() => cosineSimilarityMatrix(tf.tensor2d(a), tf.tensor2d(b)).arraySync());
        a.forEach((ra, i) => b.forEach((rb, j) => expect(got[i]![j]!).toBeCloseTo(refCos(ra, rb), 4)));
        const rowwise = tf.tidy(() => Array.from(cosineSimilarity(tf.tensor2d(a.slice(0, 2)), tf.tensor2d(b)).dataSync()));
        rowwise.forEach((v, i) => expect(v).toBeCloseTo(refCos(a[i]!, b[i]!), 4));
      }),
      { numRuns: 30 },
    );
    expect(() => cosineSimilarityMatrix(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D)).toThrow(/b must be a \[M, 3\] tensor/);
  });

  it('sparseCrossEntropy equals -log softmax of the target, and is stable for huge logits', () => {
    fc.assert(
      fc.property(matrix(4, 3), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }), (logits, targets) => {
        const ref =
          logits.reduce((s, row, i) => {
            const max = Math.max(...row);
            const lse = max + Math.log(row.reduce((t, x) => t + Math.exp(x - max), 0));
            return s + lse - (row[targets[i]!] ?? 0);
          }, 0) / 4;
        const got = tf.tidy(() => sparseCrossEntropy(tf.tensor2d(logits), tf.tensor1d(targets, 'int32')).dataSync()[0]!);
        expect(got).toBeCloseTo(ref, 4);
        const soft = tf.tidy(() => softCrossEntropy(tf.tensor2d(logits), tf.oneHot(tf.tensor1d(targets, 'int32'), 3) as tf.Tensor2D).dataSync()[0]!);
        expect(soft).toBeCloseTo(ref, 4);
      }),
      { numRuns: 30 },
    );
    const huge = tf.tidy(() => sparseCrossEntropy(tf.tensor2d([[1000, -1000]]), tf.tensor1d([1], 'int32')).dataSync()[0]!);
    expect(huge).toBeCloseTo(2000, 1);
    expect(() => sparseCrossEntropy(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2]) as tf.Tensor1D)).toThrow(/targets must be a int32 tensor/);
  });

  it('weights the mean and computes top-k accuracy', () => {
    const logits = tf.tensor2d([[2, 1, 0], [0, 1, 2], [0, 2, 1]]);
    const targets = tf.tensor1d([0, 1, 2], 'int32');
    expect(accuracy(logits, targets, 1)).toBeCloseTo(1 / 3);
    expect(accuracy(logits, targets, 2)).toBeCloseTo(1);
    const w = tf.tensor1d([1, 0, 0]);
    const weighted = tf.tidy(() => sparseCrossEntropy(logits, targets, { weights: w }).dataSync()[0]!);
    const first = tf.tidy(() => sparseCrossEntropy(tf.slice(logits, [0, 0], [1, 3]), tf.tensor1d([0], 'int32')).dataSync()[0]!);
    expect(weighted).toBeCloseTo(first, 5);
    tf.dispose([logits, targets, w]);
  });

  it('imageGrid tiles images row by row without leaks', () => {
    const before = tf.memory().numTensors;
    const imgs = tf.tidy(() => tf.stack([0.1, 0.2, 0.3].map((v) => tf.fill([2, 2, 1], v))) as tf.Tensor4D);
    const grid = imageGrid(imgs, 2, { padding: 1, padValue: 1 });
    expect(grid.shape).toEqual([5, 5, 1]);
    const g = grid.arraySync() as number[][][];
    expect(g[0]![0]![0]).toBeCloseTo(0.1);
    expect(g[0]![3]![0]).toBeCloseTo(0.2);
    expect(g[3]![0]![0]).toBeCloseTo(0.3);
    expect(g[3]![3]![0]).toBeCloseTo(1);
    tf.dispose([imgs, grid]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
