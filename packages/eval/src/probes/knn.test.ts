import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SelfsupError, createRng } from '@selfsup/tensors';
import { blobs, randomProjectionEncoder, referenceKnn, vectorDataset } from '../../test/helpers.js';
import { rawPixelEncoder } from '../raw-pixel-encoder.js';
import { KNN_AUTO, KNN_DEFAULT, KNN_HNSW_DEFAULT, KNN_INSTDISC, knnClassify, knnEvaluate, knnProbe, knnRecall } from './knn.js';

describe('knnClassify', () => {
  // Bank: [1, 0] class 0, [0, 1] class 1, [0.8, 0.6] class 1, [-1, 0] class 2. Query [1, 0.1], k = 3.
  // Similarities to the three nearest: 0.995 (class 0), 0.856 (class 1), 0.0995 (class 1).
  //   T = 0.1: class 0 gets e^9.95 = 20 952, class 1 e^8.56 + e^0.995 = 5 220  -> class 0.
  //   T = 1:   class 0 gets e^0.995 = 2.70, class 1 e^0.856 + e^0.0995 = 3.46  -> class 1.
  const bank = [
    [1, 0],
    [0, 1],
    [0.8, 0.6],
    [-1, 0],
  ];
  const bankLabels = Int32Array.from([0, 1, 1, 2]);

  it('gives the hand-computed predictions, and the temperature matters', () => {
    const b = tf.tensor2d(bank);
    const q = tf.tensor2d([
      [1, 0.1],
      [-0.9, -0.1],
    ]);
    const sharp = knnClassify(b, bankLabels, q, { k: 3, temperature: 0.1 });
    const flat = knnClassify(b, bankLabels, q, { k: 3, temperature: 1 });
    // Second query: nearest [-1, 0] (class 2, sim 0.994), then [1, 0]... no: [0, 1] -0.110, [0.8, 0.6] -0.861.
    expect(Array.from(sharp.predictions)).toEqual([0, 2]);
    expect(Array.from(flat.predictions)).toEqual([1, 2]);
    // Votes of query 0 at T = 1, up to the row factor exp(-max / T).
    const s = 1 / Math.hypot(1, 0.1);
    const scale = Math.exp(-s);
    expect(flat.scores[0]).toBeCloseTo(Math.exp(s) * scale, 5);
    expect(flat.scores[1]).toBeCloseTo((Math.exp(0.86 * s) + Math.exp(0.1 * s)) * scale, 5);
    expect(flat.scores[2]).toBeCloseTo(0, 6);
    expect(flat.k).toBe(3);
    b.dispose();
    q.dispose();
  });

  it('with k = 1 on the training set itself is always right', () => {
    const rng = createRng(3);
    const n = 60;
    const rows = Array.from({ length: n }, () => Array.from({ length: 8 }, () => rng.normal()));
    const labels = Int32Array.from({ length: n }, () => rng.int(0, 7));
    const f = tf.tensor2d(rows);
    const result = knnClassify(f, labels, f, { k: 1, bankChunkSize: 7, queryChunkSize: 11 });
    expect(Array.from(result.predictions)).toEqual(Array.from(labels));
    f.dispose();
  });

  it('matches the loop reference for any chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(0.05, 0.1, 1),
        (seed, k, bankChunkSize, queryChunkSize, temperature) => {
          const rng = createRng(seed);
          const bankRows = Array.from({ length: 20 }, () => Array.from({ length: 4 }, () => rng.normal()));
          const labels = Array.from({ length: 20 }, () => rng.int(0, 4));
          const queryRows = Array.from({ length: 7 }, () => Array.from({ length: 4 }, () => rng.normal()));
          const before = tf.memory().numTensors;
          const b = tf.tensor2d(bankRows);
          const q = tf.tensor2d(queryRows);
          const got = knnClassify(b, Int32Array.from(labels), q, { k, temperature, bankChunkSize, queryChunkSize, numClasses: 4 });
          b.dispose();
          q.dispose();
          expect(tf.memory().numTensors).toBe(before);
          expect(Array.from(got.predictions)).toEqual(referenceKnn(bankRows, labels, queryRows, k, temperature, 4));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('clamps k to the bank size and survives tiny temperatures', () => {
    const b = tf.tensor2d(bank);
    const result = knnClassify(b, bankLabels, b, { k: 500, temperature: 1e-4 });
    expect(result.k).toBe(4);
    expect(Array.from(result.predictions)).toEqual([0, 1, 1, 2]);
    for (const s of result.scores) expect(Number.isFinite(s)).toBe(true);
    b.dispose();
  });

  it('rejects bad arguments with messages that name them', () => {
    const b = tf.tensor2d(bank);
    expect(() => knnClassify(b, bankLabels, b, { temperature: -1 })).toThrow(/options\.temperature must be a finite number > 0; got -1/);
    expect(() => knnClassify(b, bankLabels, b, { k: 0 })).toThrow(SelfsupError);
    expect(() => knnClassify(b, Int32Array.from([0, 1]), b)).toThrow(/bank\.labels must be 4 labels/);
    const wrongDim = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => knnClassify(b, bankLabels, wrongDim)).toThrow(/queries must be a \[M, 2\] tensor/);
    expect(() => knnClassify(b, bankLabels, b, { numClasses: 2 })).toThrow(/options\.numClasses must be an integer >= 3/);
    wrongDim.dispose();
    b.dispose();
  });

  it('rejects bad index options with messages that name them', async () => {
    const b = tf.tensor2d(bank);
    expect(() => knnClassify(b, bankLabels, b, { index: 'fast' as 'auto' })).toThrow(/options\.index must be one of "exact", "approximate", "auto"; got "fast"/);
    expect(() => knnClassify(b, bankLabels, b, { connectivity: 1 })).toThrow(/options\.connectivity must be an integer in \[2, 1024\]; got 1/);
    expect(() => knnClassify(b, bankLabels, b, { expansionAdd: 0 })).toThrow(/options\.expansionAdd must be/);
    expect(() => knnClassify(b, bankLabels, b, { expansionSearch: 1.5 })).toThrow(/options\.expansionSearch must be .*; got 1\.5/);
    await expect(knnRecall('bank' as unknown as tf.Tensor2D, b)).rejects.toThrow(/bank must be a \[N, D\] tensor; got "bank"/);
    const wrongDim = tf.zeros([2, 3]) as tf.Tensor2D;
    await expect(knnRecall(b, wrongDim)).rejects.toThrow(/queries must be a \[M, 2\] tensor/);
    await expect(knnRecall(b, b, { k: 0 })).rejects.toThrow(/options\.k must be/);
    await expect(knnRecall(b, b, { queryChunkSize: -1 })).rejects.toThrow(/options\.queryChunkSize must be/);
    wrongDim.dispose();
    b.dispose();
  });

  it('has the documented presets', () => {
    expect(KNN_DEFAULT).toEqual({ k: 200, temperature: 0.1 });
    expect(KNN_INSTDISC).toEqual({ k: 20, temperature: 0.07 });
    expect(KNN_AUTO).toEqual({ minBankSize: 100_000, minQueries: 20_000 });
    expect(KNN_HNSW_DEFAULT).toEqual({ connectivity: 16, expansionAdd: 128, expansionSearch: 64 });
  });
});

describe('knnEvaluate / knnProbe', () => {
  it('reports top-1, top-5 and its configuration', () => {
    const train = blobs({ perClass: 10, numClasses: 8, dim: 6, spread: 0.1, seed: 1 });
    const test = blobs({ perClass: 3, numClasses: 8, dim: 6, spread: 0.1, seed: 1 });
    const trainSet = { features: tf.tensor2d(train.rows), labels: Int32Array.from(train.labels), numClasses: 8 };
    const testSet = { features: tf.tensor2d(test.rows), labels: Int32Array.from(test.labels), numClasses: 8 };
    const result = knnEvaluate(trainSet, testSet, KNN_INSTDISC);
    expect(result.probe).toBe('knn');
    expect(result.top1).toBe(1);
    expect(result.top5).toBe(1);
    expect(result.numTrain).toBe(80);
    expect(result.numTest).toBe(24);
    expect(result.config).toMatchObject({ k: 20, temperature: 0.07, numClasses: 8, featureDim: 6, index: 'exact' });
    trainSet.features.dispose();
    testSet.features.dispose();
  });

  it('runs end to end on an encoder without leaking, deterministically', async () => {
    const train = blobs({ perClass: 12, numClasses: 3, dim: 5, spread: 0.3, seed: 2 });
    const test = blobs({ perClass: 4, numClasses: 3, dim: 5, spread: 0.3, seed: 2 });
    const trainData = vectorDataset(train.rows, train.labels);
    const testData = vectorDataset(test.rows, test.labels);
    const encoder = randomProjectionEncoder([1, 1, 5], 16, 7);
    const before = tf.memory().numTensors;
    const a = await knnProbe(encoder, trainData, testData, { k: 5, batchSize: 7 });
    const b = await knnProbe(encoder, trainData, testData, { k: 5, batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.top1).toBe(b.top1);
    expect(a.top1).toBeGreaterThan(0.9);
    expect(a.top5).toBeUndefined(); // 3 classes: top-5 is meaningless
    expect(a.config).toMatchObject({ k: 5, encoder: 'randomProjection', train: 'vectors' });
    const raw = await knnProbe(rawPixelEncoder([1, 1, 5]), trainData, testData, { k: 5 });
    expect(raw.top1).toBeGreaterThan(0.9);
    encoder.dispose();
    trainData.dispose?.();
    testData.dispose?.();
  });
});
