import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { blobs, layeredEncoder, vectorDataset } from '../test/helpers.js';
import { evaluateEncoder } from './evaluate.js';
import { extractFeatures } from './features.js';
import { DEFAULT_LAYER_DIM, adaptiveAvgPool2d, poolLayerFeatures, poolingGrid } from './layer-features.js';
import { rawPixelEncoder } from './raw-pixel-encoder.js';

describe('poolingGrid', () => {
  it('picks the largest grid within the bound, the whole map when it fits, a global pool when channels exceed it', () => {
    expect(poolingGrid([32, 32, 32])).toEqual([16, 16]); // 32 * 16 * 16 = 8192 <= 9216 < 32 * 17 * 17
    expect(poolingGrid([4, 4, 64])).toEqual([4, 4]); // the map itself: 1024 dims
    expect(poolingGrid([8, 8, 512], 2048)).toEqual([2, 2]);
    expect(poolingGrid([8, 8, 10000])).toEqual([1, 1]);
    expect(poolingGrid([3, 20, 8], 200)).toEqual([3, 8]); // 8 * 3 * 8 = 192
    for (const [h, w, c] of [[28, 28, 16], [7, 7, 128], [14, 9, 300], [1, 1, 5], [64, 64, 3]] as const) {
      const [gh, gw] = poolingGrid([h, w, c]);
      expect(gh * gw * c <= Math.max(DEFAULT_LAYER_DIM, c)).toBe(true);
      expect(gh <= h && gw <= w).toBe(true);
    }
    expect(() => poolingGrid([0, 4, 4])).toThrow(/shape\[0\]/);
    expect(() => poolingGrid([4, 4, 4], 0)).toThrow(/maxDim/);
  });
});

describe('adaptiveAvgPool2d / poolLayerFeatures', () => {
  it('averages PyTorch-style cells (overlapping when the size does not divide) and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 3, 1]);
    // 3 -> 2 cells: rows [0, 2) and [1, 3).
    const pool = (t: tf.Tensor4D, grid: [number, number]) => tf.tidy(() => Array.from(adaptiveAvgPool2d(t, grid).dataSync()));
    expect(pool(x, [2, 2])).toEqual([2, 3, 5, 6]);
    expect(pool(x, [1, 1])).toEqual([4]);
    expect(pool(x, [3, 3])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const y = tf.tidy(() => tf.tile(tf.reshape(tf.range(0, 16), [1, 4, 4, 1]), [2, 1, 1, 3]) as tf.Tensor4D);
    expect(pool(y, [2, 2]).slice(0, 3)).toEqual([2.5, 2.5, 2.5]);
    const pooled = poolLayerFeatures(y, 12); // 3 channels: 2x2 grid
    expect(pooled.shape).toEqual([2, 12]);
    tf.dispose([pooled, x, y]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => adaptiveAvgPool2d(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, [3, 1])).toThrow(/grid\[0\]/);
  });
});

describe('probing layers', () => {
  const train = blobs({ perClass: 8, numClasses: 2, dim: 3, spread: 0.2, seed: 1 });
  const test = blobs({ perClass: 4, numClasses: 2, dim: 3, spread: 0.2, seed: 2 });

  it('extracts each layer of an encoder (pooled feature maps, vectors as they are) and reports it, without leaks', async () => {
    const trainData = vectorDataset(train.rows, train.labels);
    const testData = vectorDataset(test.rows, test.labels);
    const encoder = layeredEncoder([1, 1, 3]);
    const before = tf.memory().numTensors;
    const map = await extractFeatures(encoder, trainData, { layer: 'map', batchSize: 5 });
    expect(map.features.shape).toEqual([16, 3]);
    expect(Array.from(map.features.dataSync().slice(0, 3))).toEqual(train.rows[0]?.map((v) => Math.fround(2 * v)));
    const sum = await extractFeatures(encoder, trainData, { layer: 'sum' });
    expect(sum.features.shape).toEqual([16, 1]);
    tf.dispose([map.features, sum.features]);
    for (const layer of ['map', 'sum', 'embedding']) {
      const report = await evaluateEncoder(encoder, trainData, testData, { layer, probes: ['knn'], knn: { k: 3 }, metrics: false });
      expect(report.layer).toBe(layer);
      expect(report.results[0]?.config['layer']).toBe(layer);
      expect(report.featureDim).toBe(layer === 'sum' ? 1 : 3);
    }
    expect(tf.memory().numTensors).toBe(before);
    await expect(extractFeatures(encoder, trainData, { layer: 'conv9' })).rejects.toThrow(/options\.layer must be a layer of layered: map, sum, embedding or all/);
    await expect(extractFeatures(encoder, trainData, { layer: 'all' })).rejects.toThrow(/options\.layer/);
    const pixels = rawPixelEncoder([1, 1, 3]);
    await expect(extractFeatures(pixels, trainData, { layer: 'block0' })).rejects.toThrow(/rawPixels names no intermediate layers/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
