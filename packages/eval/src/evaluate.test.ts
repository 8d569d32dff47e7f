import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { blobs, randomProjectionEncoder, vectorDataset } from '../test/helpers.js';
import { evaluateEncoder, probeFeatures } from './evaluate.js';
import { extractFeatures } from './features.js';

describe('evaluateEncoder', () => {
  it('runs both probes and the metrics on features extracted once, without leaks', async () => {
    const train = blobs({ perClass: 15, numClasses: 3, dim: 6, spread: 0.3, seed: 4 });
    const test = blobs({ perClass: 5, numClasses: 3, dim: 6, spread: 0.3, seed: 4 });
    const trainData = vectorDataset(train.rows, train.labels);
    const testData = vectorDataset(test.rows, test.labels);
    const encoder = randomProjectionEncoder([1, 1, 6], 10, 3);
    const events: string[] = [];
    const before = tf.memory().numTensors;
    const report = await evaluateEncoder(encoder, trainData, testData, {
      knn: { k: 10 },
      linear: { learningRates: [0.1], epochs: 10 },
      batchSize: 20,
      onProgress: (e) => events.push(e.stage === 'extract' ? `${e.split}:${e.done}` : `probe:${e.probe}`),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(events).toEqual(['train:20', 'train:40', 'train:45', 'test:15', 'probe:knn', 'probe:linear']);
    expect(report.results.map((r) => r.probe)).toEqual(['knn', 'linear']);
    for (const r of report.results) expect(r.top1).toBeGreaterThan(0.9);
    expect(report.metrics?.effectiveRank).toBeGreaterThan(1);
    expect(report.metrics?.uniformity).toBeLessThan(0);
    expect(report.encoder.architecture).toBe('randomProjection');
    expect(report.testFeatures).toBeUndefined();
    const kept = await evaluateEncoder(encoder, trainData, testData, { probes: ['knn'], metrics: false, keepTestFeatures: true });
    expect(kept.testFeatures?.features.shape).toEqual([15, 10]);
    kept.testFeatures?.features.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(evaluateEncoder(encoder, trainData, testData, { probes: ['svm' as 'knn'] })).rejects.toThrow(/options\.probes\[i\] must be "knn" or "linear"/);
    encoder.dispose();
  });
});

describe('probeFeatures', () => {
  it('gives evaluateEncoder\'s numbers on the same features, and leaves the tensors to the caller', async () => {
    const train = blobs({ perClass: 15, numClasses: 3, dim: 6, spread: 0.8, seed: 5 });
    const test = blobs({ perClass: 5, numClasses: 3, dim: 6, spread: 0.8, seed: 6 });
    const trainData = vectorDataset(train.rows, train.labels);
    const testData = vectorDataset(test.rows, test.labels);
    const encoder = randomProjectionEncoder([1, 1, 6], 10, 3);
    const options = { knn: { k: 10 }, linear: { learningRates: [0.1, 1], epochs: 10, seed: 3 } };
    const report = await evaluateEncoder(encoder, trainData, testData, options);
    const before = tf.memory().numTensors;
    const trainFeatures = await extractFeatures(encoder, trainData);
    const testFeatures = await extractFeatures(encoder, testData);
    const probed: string[] = [];
    const { results, metrics } = probeFeatures(trainFeatures, testFeatures, { ...options, labels: { encoder: 'twin' }, onProgress: (e) => e.stage === 'probe' && probed.push(e.probe) });
    expect(probed).toEqual(['knn', 'linear']);
    expect(results.map((r) => r.top1)).toEqual(report.results.map((r) => r.top1));
    expect(results[0]?.config['encoder']).toBe('twin');
    expect(metrics?.effectiveRank).toBeCloseTo(report.metrics?.effectiveRank ?? Number.NaN, 6);
    expect(trainFeatures.features.isDisposed).toBe(false);
    expect(probeFeatures(trainFeatures, testFeatures, { probes: ['knn'], metrics: false }).metrics).toBeUndefined();
    expect(() => probeFeatures(trainFeatures, testFeatures, { probes: ['svm' as 'knn'] })).toThrow(/options\.probes\[i\] must be "knn" or "linear"/);
    tf.dispose([trainFeatures.features, testFeatures.features]);
    expect(tf.memory().numTensors).toBe(before);
    encoder.dispose();
  });
});
