import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { blobs, randomProjectionEncoder, vectorDataset } from '../../test/helpers.js';
import { alignment } from './alignment.js';
import { effectiveRank } from './effective-rank.js';
import { embeddingMetrics, representationMetrics } from './representation.js';
import { uniformity } from './uniformity.js';

describe('representation metrics', () => {
  it('embeddingMetrics equals the individual metrics', () => {
    const data = blobs({ perClass: 10, numClasses: 3, dim: 6, spread: 0.5, seed: 9 });
    const z = tf.tensor2d(data.rows);
    const p = tf.add(z, 0.1) as tf.Tensor2D;
    const m = embeddingMetrics(z, { positives: p });
    expect(m.alignment).toBeCloseTo(alignment(z, p), 6);
    expect(m.uniformity).toBeCloseTo(uniformity(z), 6);
    expect(m.effectiveRank).toBeCloseTo(effectiveRank(z), 6);
    expect(embeddingMetrics(z)).not.toHaveProperty('alignment');
    tf.dispose([z, p]);
  });

  it('measures an encoder: alignment grows with the view noise, deterministic per seed, no leaks', async () => {
    const data = blobs({ perClass: 20, numClasses: 4, dim: 6, spread: 0.5, seed: 2 });
    const dataset = vectorDataset(data.rows, data.labels);
    const encoder = randomProjectionEncoder([1, 1, 6], 8, 1);
    const noisy = (sigma: number) => (images: tf.Tensor4D, rng: { seed(): number }) =>
      tf.add(images, tf.randomNormal(images.shape, 0, sigma, 'float32', rng.seed())) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const small = await representationMetrics(encoder, dataset, { augment: noisy(0.01), batchSize: 16 });
    const large = await representationMetrics(encoder, dataset, { augment: noisy(1), batchSize: 16 });
    const again = await representationMetrics(encoder, dataset, { augment: noisy(1), batchSize: 16 });
    const none = await representationMetrics(encoder, dataset, { batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    expect(small.alignment!).toBeLessThan(large.alignment!);
    expect(again).toEqual(large);
    expect(none.alignment).toBeUndefined();
    expect(none.uniformity).toBeCloseTo(large.uniformity!, 6);
    expect(none.effectiveRank!).toBeGreaterThan(1);
    encoder.dispose();
    dataset.dispose?.();
  });
});
