import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { convNet } from '@selfsup/encoders';
import { knnProbe, linearProbe } from '@selfsup/eval';
import { SelfsupError, createRng, fit, initBackend, tensorDataset } from '@selfsup/tensors';
import { loadMnist } from '@selfsup/tensors/node';
import { cropFlipNoise, spectralContrastive, spectralContrastiveLoss } from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

/** The loss written as the paper's sums, one pair at a time. */
function referenceLoss(rows1: number[][], rows2: number[][], mu: number): number {
  const n = rows1.length;
  const clip = (row: number[]) => {
    const norm = Math.sqrt(row.reduce((s, x) => s + x * x, 0));
    return norm > Math.sqrt(mu) ? row.map((x) => (x * Math.sqrt(mu)) / norm) : row;
  };
  const [z1, z2] = [rows1.map(clip), rows2.map(clip)];
  const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0);
  let attraction = 0;
  let repulsion = 0;
  for (let i = 0; i < n; i++) {
    attraction += dot(z1[i]!, z2[i]!);
    for (let j = 0; j < n; j++) if (i !== j) repulsion += dot(z1[i]!, z2[j]!) ** 2;
  }
  return (-2 * attraction) / n + repulsion / (n * (n - 1));
}

describe('spectralContrastiveLoss', () => {
  it('matches the pairwise sums of the paper', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (n, d, seed, mu) => {
        const rng = createRng(seed);
        const a = Array.from({ length: n }, () => Array.from(rng.normalArray(d)));
        const b = Array.from({ length: n }, () => Array.from(rng.normalArray(d)));
        const loss = tf.tidy(() => spectralContrastiveLoss(tf.tensor2d(a), tf.tensor2d(b), { mu }).dataSync()[0]!);
        expect(loss).toBeCloseTo(referenceLoss(a, b, mu), 3);
      }),
      { numRuns: 25 },
    );
  });

  it('is lower for aligned pairs than for unrelated ones', () => {
    const rng = createRng(3);
    const z = tf.tensor2d(rng.normalArray(8 * 4), [8, 4]);
    const other = tf.tensor2d(rng.normalArray(8 * 4), [8, 4]);
    const aligned = spectralContrastiveLoss(z, z).dataSync()[0]!;
    const unrelated = spectralContrastiveLoss(z, other).dataSync()[0]!;
    expect(aligned).toBeLessThan(unrelated);
    tf.dispose([z, other]);
  });

  it('rejects a batch of one and mismatched shapes with SelfsupError', () => {
    expect(() => spectralContrastiveLoss(tf.zeros([1, 3]) as tf.Tensor2D, tf.zeros([1, 3]) as tf.Tensor2D)).toThrow(/at least 2/);
    expect(() => spectralContrastiveLoss(tf.zeros([4, 3]) as tf.Tensor2D, tf.zeros([4, 2]) as tf.Tensor2D)).toThrow(SelfsupError);
  });
});

describe('cropFlipNoise', () => {
  it('makes two different views of the input shape in [0, 1], the same for the same seed', () => {
    const images = tf.randomUniform([4, 12, 12, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const views = cropFlipNoise();
    const [a, b] = views(images, createRng(5));
    const [c] = views(images, createRng(5));
    expect(a.shape).toEqual([4, 12, 12, 1]);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeGreaterThan(0.01);
    expect(tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]).toBe(0);
    expect(tf.min(a).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(tf.max(a).dataSync()[0]).toBeLessThanOrEqual(1);
    tf.dispose([images, a, b, c]);
  });
});

describe('spectralContrastive, trained by fit and evaluated by @selfsup/eval', () => {
  it('trains a convNet on MNIST digits, lowers the loss, leaks nothing, and the probes score it', async () => {
    const train = loadMnist('train', { limit: 256 });
    const test = loadMnist('test', { limit: 128 });
    const method = spectralContrastive({ encoder: convNet({ inputShape: [28, 28, 1], channels: [8, 16], strides: [2, 2], seed: 0 }) });
    const before = method.encoder.variables.map((v) => v.variable.dataSync().slice());
    const tensors = tf.memory().numTensors;
    const result = await fit(method, train, { batchSize: 64, epochs: 3, maxSteps: 12, learningRate: 3e-3, seed: 0, progress: false });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result.steps).toBe(12);
    for (const loss of result.losses) expect(Number.isFinite(loss)).toBe(true);
    const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(result.losses.slice(-4))).toBeLessThan(mean(result.losses.slice(0, 4)));
    const changed = method.encoder.variables.some((v, i) => v.variable.dataSync().some((x, k) => x !== before[i]![k]));
    expect(changed).toBe(true);

    const knn = await knnProbe(method.encoder, train, test, { k: 10 });
    const linear = await linearProbe(method.encoder, train, test, {});
    for (const probe of [knn, linear]) {
      expect(probe.numTest).toBe(128);
      // Ten classes, 256 training digits, 12 steps: the point is that the probes run on a third-party method's
      // encoder and score it above chance (0.1), not how good 12 steps make it.
      expect(probe.top1).toBeGreaterThan(0.15);
      expect(probe.top1).toBeLessThanOrEqual(1);
    }
    method.dispose();
  });

  it('rejects a bad option', () => {
    const encoder = convNet({ inputShape: [8, 8, 1], channels: [4], seed: 0 });
    expect(() => spectralContrastive({ encoder, projectionDim: 0 })).toThrow(/options.projectionDim/);
    encoder.dispose();
  });

  it('works on any ImageDataset, e.g. an in-memory one', async () => {
    const data = tensorDataset(tf.randomUniform([16, 8, 8, 1], 0, 1, 'float32', 2) as tf.Tensor4D);
    const method = spectralContrastive({ encoder: convNet({ inputShape: [8, 8, 1], channels: [4], seed: 0 }), hiddenDim: 8, projectionDim: 4 });
    const result = await fit(method, data, { batchSize: 8, maxSteps: 2, seed: 1, progress: false });
    expect(result.losses).toHaveLength(2);
    method.dispose();
    data.dispose?.();
  });
});
