import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@selfsup/tensors';
import { LOSSES, type LossName, gaussianClusters, nearestNeighbourAccuracy, ownMlp, trainWithLoss } from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

describe('selfsup losses on a plain tfjs model and loop', () => {
  for (const name of Object.keys(LOSSES) as LossName[]) {
    it(`${name}: the loss falls, the embedding keeps the clusters apart, nothing leaks`, () => {
      const { x, labels } = gaussianClusters(4, 16, 16, 0);
      const model = ownMlp(16, 32, 16, 1);
      const tensors = tf.memory().numTensors;
      const losses = trainWithLoss(model, x, name, 30, 100);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(losses.every(Number.isFinite)).toBe(true);
      const mean = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
      expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
      // A collapsed embedding (the failure these losses exist to prevent) would score about 1 / 4 here.
      const accuracy = tf.tidy(() => nearestNeighbourAccuracy(model.embed(x), labels));
      expect(accuracy).toBeGreaterThan(0.8);
      model.dispose();
      x.dispose();
    });
  }
});
