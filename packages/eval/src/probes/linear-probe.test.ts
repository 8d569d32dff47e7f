import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { randomProjectionEncoder, recordingDataset, separable, vectorDataset } from '../../test/helpers.js';
import { rawPixelEncoder } from '../raw-pixel-encoder.js';
import { linearEvaluate, linearProbe, stratifiedSplit, sweepLinearClassifier } from './linear-probe.js';

describe('stratifiedSplit', () => {
  it('splits every class, disjointly and deterministically (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 2, max: 60 }), fc.double({ min: 0.05, max: 0.5, noNaN: true }), (seed, n, fraction) => {
        const rng = createRng(seed);
        const labels = Int32Array.from({ length: n }, () => rng.int(0, 4));
        const { train, validation } = stratifiedSplit(labels, fraction, seed);
        expect([...train, ...validation].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(stratifiedSplit(labels, fraction, seed)).toEqual({ train, validation });
        for (let c = 0; c < 4; c++) {
          const members = labels.filter((l) => l === c).length;
          const held = validation.filter((i) => labels[i] === c).length;
          if (members >= 2) {
            expect(held).toBeGreaterThanOrEqual(1);
            expect(held).toBeLessThan(members);
          } else {
            expect(held).toBe(0);
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});

function featureSet(rows: number[][], labels: Int32Array, numClasses: number) {
  return { features: tf.tensor2d(rows), labels, numClasses };
}

describe('sweepLinearClassifier / linearEvaluate', () => {
  it('prefers a working learning rate to a diverging one and records every trial', () => {
    const data = separable(200, 6, 3, 4);
    const train = featureSet(data.rows, data.labels, 3);
    const sweep = sweepLinearClassifier(train, { learningRates: [1e37, 0.1], epochs: 10, batchSize: 32, standardize: false });
    expect(sweep.trials).toHaveLength(2);
    expect(sweep.trials[0]!.diverged).toBe(true);
    expect(sweep.learningRate).toBe(0.1);
    expect(sweep.numTrain + sweep.numValidation).toBe(200);
    train.features.dispose();
  });

  it('reaches >= 99% on separable features and reports its configuration, deterministically', () => {
    const data = separable(500, 10, 5, 8);
    const train = featureSet(data.rows.slice(0, 400), data.labels.slice(0, 400), 5);
    const test = featureSet(data.rows.slice(400), data.labels.slice(400), 5);
    const before = tf.memory().numTensors;
    const options = { learningRates: [0.01, 0.1], epochs: 40, batchSize: 32, seed: 3 };
    const a = linearEvaluate(train, test, options);
    const b = linearEvaluate(train, test, options);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.top1).toBeGreaterThanOrEqual(0.99);
    expect(a.top1).toBe(b.top1);
    expect(a.config).toEqual(b.config);
    expect(a.probe).toBe('linear');
    expect(a.numTrain).toBe(400);
    expect(a.numTest).toBe(100);
    expect(a.config).toMatchObject({ optimizer: 'sgd', epochs: 40, featureDim: 10, validationFraction: 0.1 });
    const { numValidation, sweep } = a.config;
    expect(Math.abs((numValidation as number) - 40)).toBeLessThanOrEqual(3);
    expect(sweep as unknown[]).toHaveLength(2);
    const lbfgs = linearEvaluate(train, test, { optimizer: 'lbfgs', weightDecays: [1e-4, 1e-2] });
    expect(lbfgs.top1).toBeGreaterThanOrEqual(0.99);
    const { chosen } = lbfgs.config;
    expect(chosen).toHaveProperty('weightDecay');
    expect(chosen).not.toHaveProperty('learningRate');
    tf.dispose([train.features, test.features]);
  });

  it('rejects bad sweeps', () => {
    const train = featureSet([[1], [2], [3], [4]], Int32Array.from([0, 0, 1, 1]), 2);
    expect(() => sweepLinearClassifier(train, { learningRates: [] })).toThrow(/options\.learningRates must be a non-empty array/);
    expect(() => sweepLinearClassifier(train, { learningRates: [0.1, -2] })).toThrow(/options\.learningRates\[1\] must be a finite number > 0; got -2/);
    expect(() => sweepLinearClassifier(train, { validationFraction: 1.5 })).toThrow(/options\.validationFraction must be a number in/);
    train.features.dispose();
  });
});

describe('linearProbe', () => {
  it('reads the test split only after the sweep, and the training split once', async () => {
    const data = separable(300, 6, 3, 21);
    const trainRows = data.rows.slice(0, 240);
    const testRows = data.rows.slice(240);
    const learningRates = [0.003, 0.03, 0.3];
    let trialsDone = 0;
    const phase = () => (trialsDone < learningRates.length ? `sweep (${trialsDone} trials done)` : 'after sweep');
    const train = recordingDataset(vectorDataset(trainRows, Array.from(data.labels.slice(0, 240))), phase);
    const test = recordingDataset(vectorDataset(testRows, Array.from(data.labels.slice(240))), phase);
    const encoder = randomProjectionEncoder([1, 1, 6], 12, 5);
    const before = tf.memory().numTensors;
    const result = await linearProbe(encoder, train, test, {
      learningRates,
      epochs: 20,
      classifierBatchSize: 32,
      batchSize: 50,
      onTrial: () => {
        trialsDone++;
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(trialsDone).toBe(3);
    expect(test.reads.length).toBeGreaterThan(0);
    for (const read of test.reads) expect(read.phase).toBe('after sweep');
    // Features are cached: the training split is embedded exactly once (5 batches of 50 covering 240 samples).
    expect(train.reads.map((r) => r.indices.length)).toEqual([50, 50, 50, 50, 40]);
    expect(train.reads.every((r) => r.phase === 'sweep (0 trials done)')).toBe(true);
    // Frozen encoder: never applied in training mode.
    expect((encoder as unknown as { seenTraining: boolean[] }).seenTraining.every((t) => !t)).toBe(true);
    expect(result.top1).toBeGreaterThanOrEqual(0.95);
    expect(result.config).toMatchObject({ encoder: 'randomProjection', train: 'vectors' });
    const { chosen } = result.config;
    expect(learningRates).toContain((chosen as { learningRate: number }).learningRate);
    encoder.dispose();
    train.dispose?.();
    test.dispose?.();
  });

  it('works with the raw-pixel baseline on image-shaped data', async () => {
    const rng = createRng(2);
    // 4x4 images: class 0 bright on the left half, class 1 on the right half.
    const make = (n: number) => {
      const images: number[] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const c = i % 2;
        for (let r = 0; r < 4; r++) for (let col = 0; col < 4; col++) images.push((col < 2) === (c === 0) ? 0.8 + 0.2 * rng.float() : 0.2 * rng.float());
        labels.push(c);
      }
      return { images, labels };
    };
    const { tensorDataset } = await import('@selfsup/tensors');
    const a = make(60);
    const b = make(20);
    const train = tensorDataset(tf.tensor4d(a.images, [60, 4, 4, 1]), a.labels);
    const test = tensorDataset(tf.tensor4d(b.images, [20, 4, 4, 1]), b.labels);
    const result = await linearProbe(rawPixelEncoder([4, 4, 1]), train, test, { learningRates: [0.1], epochs: 10 });
    expect(result.top1).toBe(1);
    train.dispose?.();
    test.dispose?.();
  });
});
