import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { separable } from '../../test/helpers.js';
import { trainLinearClassifier } from './linear-classifier.js';

describe('trainLinearClassifier', () => {
  const train = separable(100, 8, 4, 1);

  it('reaches >= 99% on linearly separable features (SGD and L-BFGS), without leaks', () => {
    const all = separable(600, 8, 4, 11);
    const xTrain = tf.tensor2d(all.rows.slice(0, 400));
    const xTest = tf.tensor2d(all.rows.slice(400));
    const yTrain = all.labels.slice(0, 400);
    const yTest = all.labels.slice(400);
    const before = tf.memory().numTensors;
    for (const options of [
      { optimizer: 'sgd' as const, learningRate: 0.1, epochs: 60, batchSize: 32 },
      { optimizer: 'lbfgs' as const, weightDecay: 1e-5, maxIterations: 300 },
    ]) {
      const classifier = trainLinearClassifier(xTrain, yTrain, options);
      const onTrain = classifier.evaluate(xTrain, yTrain);
      const onTest = classifier.evaluate(xTest, yTest);
      expect(onTrain.top1).toBeGreaterThanOrEqual(0.99);
      expect(onTest.top1).toBeGreaterThanOrEqual(0.99);
      expect(classifier.diverged).toBe(false);
      // Training loss goes down.
      expect(classifier.losses[classifier.losses.length - 1]!).toBeLessThan(classifier.losses[0]!);
      classifier.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xTrain, xTest]);
  });

  it('is deterministic for a seed, and the seed matters for SGD', () => {
    const x = tf.tensor2d(train.rows.slice(0, 100));
    const y = train.labels.slice(0, 100);
    const run = (seed: number) => {
      const c = trainLinearClassifier(x, y, { epochs: 2, batchSize: 16, seed });
      const w = Array.from(c.weights.dataSync());
      c.dispose();
      return w;
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    x.dispose();
  });

  it('computes the logits of raw features through the stored standardisation', () => {
    const x = tf.tensor2d([
      [1, 10],
      [3, 10],
      [5, 30],
      [7, 30],
    ]);
    const y = Int32Array.from([0, 0, 1, 1]);
    const c = trainLinearClassifier(x, y, { optimizer: 'lbfgs', weightDecay: 1e-3 });
    // Reference: standardise by hand with the population std, then x W + b.
    const w = c.weights.arraySync();
    const b = c.bias.arraySync();
    const means = [4, 20];
    const stds = [Math.sqrt(5), 10];
    const logits = c.logits(x).arraySync();
    [[1, 10], [3, 10], [5, 30], [7, 30]].forEach((row, i) => {
      for (let k = 0; k < 2; k++) {
        const ref = row.reduce((s, v, j) => s + ((v - means[j]!) / stds[j]!) * w[j]![k]!, b[k]!);
        expect(logits[i]![k]).toBeCloseTo(ref, 4);
      }
    });
    expect(c.evaluate(x, y).top1).toBe(1);
    expect(c.evaluate(x, y).top5).toBeUndefined();
    c.dispose();
    x.dispose();
  });

  it('L-BFGS reaches the minimum of the regularised loss (checked against a loop reference)', () => {
    const data = separable(60, 3, 3, 5);
    const x = tf.tensor2d(data.rows);
    const wd = 0.05;
    const c = trainLinearClassifier(x, data.labels, { optimizer: 'lbfgs', weightDecay: wd, standardize: false });
    const w0 = c.weights.arraySync();
    const b0 = c.bias.arraySync();
    // Reference objective in plain loops: mean cross-entropy + wd / 2 ||W||^2.
    const objective = (w: number[][], b: number[]) => {
      let total = 0;
      data.rows.forEach((row, i) => {
        const z = b.map((bk, k) => row.reduce((s, v, j) => s + v * w[j]![k]!, bk));
        const m = Math.max(...z);
        const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
        total += lse - z[data.labels[i]!]!;
      });
      return total / data.rows.length + (wd / 2) * w.flat().reduce((s, v) => s + v * v, 0);
    };
    const best = objective(w0, b0);
    const rng = createRng(1);
    for (let trial = 0; trial < 20; trial++) {
      const eps = 1e-2;
      const w = w0.map((r) => r.map((v) => v + eps * rng.normal()));
      const b = b0.map((v) => v + eps * rng.normal());
      expect(objective(w, b)).toBeGreaterThanOrEqual(best - 1e-6);
    }
    c.dispose();
    x.dispose();
  });

  it('flags divergence instead of reporting noise', () => {
    const x = tf.tensor2d(train.rows.slice(0, 64));
    const c = trainLinearClassifier(x, train.labels.slice(0, 64), { learningRate: 1e37, epochs: 3, batchSize: 8, standardize: false });
    expect(c.diverged).toBe(true);
    expect(c.evaluate(x, train.labels.slice(0, 64)).top1).toBe(0);
    c.dispose();
    x.dispose();
  });

  it('rejects bad arguments', () => {
    const x = tf.tensor2d([[1], [2]]);
    expect(() => trainLinearClassifier(x, Int32Array.from([0, 1]), { learningRate: -1 })).toThrow(
      /options\.learningRate must be a finite number > 0; got -1/,
    );
    expect(() => trainLinearClassifier(x, Int32Array.from([0]), {})).toThrow(/train\.labels must be 2 labels/);
    expect(() => trainLinearClassifier(x, Int32Array.from([0, 1]), { optimizer: 'adam' as 'sgd' })).toThrow(/options\.optimizer must be one of/);
    x.dispose();
  });
});
