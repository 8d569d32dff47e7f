import * as tf from '@tensorflow/tfjs-core';
import { abBins, annealedMean, rebalancingWeights } from '@selfsup/augment';
import { tensorDataset } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { smoothImages, value } from '../../test/helpers.js';
import { classRebalancing, estimateAbPrior } from './ab-prior.js';
import { abBinCounts, colorizationTargets } from './colorization-targets.js';
import { chromaMask, downsampleTo, normalizeLightness, splitLab } from './lab-channels.js';
import { lightnessBins, quantizeLightness } from './lightness-bins.js';

describe('splitLab', () => {
  it('reads grey images as R = G = B: same L as the RGB grey, zero ab', () => {
    const grey = seededImages(1, 2, 5, 5, 1);
    const rgb = tf.tile(grey, [1, 1, 1, 3]) as tf.Tensor4D;
    const a = splitLab(grey);
    const b = splitLab(rgb);
    expect(maxAbsDiff(a.lightness, b.lightness)).toBeLessThan(1e-4);
    expect(tf.tidy(() => value(tf.max(tf.abs(a.ab))))).toBeLessThan(1e-2);
    expectNoLeak(() => ({ ...splitLab(rgb) }));
    tf.dispose([grey, rgb, a.lightness, a.ab, b.lightness, b.ab]);
    expectInvalid(() => splitLab(tf.zeros([1, 2, 2, 2]) as tf.Tensor4D), 'images');
  });
});

describe('chromaMask', () => {
  it('leaves out images that are grey everywhere and keeps any with one colorful pixel', () => {
    tf.tidy(() => {
      const grey = tf.tile(seededImages(2, 1, 4, 4, 1), [1, 1, 1, 3]);
      const colorPixel = tf.tensor4d([...new Array(15 * 3).fill(0.5), 1, 0, 0], [1, 4, 4, 3]);
      const { ab } = splitLab(tf.concat([grey, colorPixel], 0) as tf.Tensor4D);
      expect(Array.from(chromaMask(ab, 5).dataSync())).toEqual([0, 1]);
      expectInvalid(() => chromaMask(ab, -1), 'threshold');
    });
  });
});

describe('downsampleTo', () => {
  it('averages blocks exactly when the sides divide', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
      expect(Array.from(downsampleTo(x, [2, 2]).dataSync())).toEqual([3.5, 5.5, 11.5, 13.5]);
      expect(downsampleTo(x, [3, 3]).shape).toEqual([1, 3, 3, 1]);
    });
  });
});

describe('lightness bins', () => {
  it('put every L* in the bin whose centre is within half a bin width', () => {
    const count = 50;
    const centres = lightnessBins(count);
    const values = Array.from({ length: 101 }, (_, i) => i);
    const labels = tf.tidy(() => Array.from(quantizeLightness(tf.tensor1d(values), count).dataSync()));
    values.forEach((v, i) => expect(Math.abs(centres[labels[i]!]! - v)).toBeLessThanOrEqual(100 / count / 2 + 1e-9));
    expectInvalid(() => lightnessBins(1), 'count');
  });
});

describe('colorizationTargets', () => {
  it('makes the L input, soft targets whose annealed mean returns the ab, and the grey mask', () => {
    const color = smoothImages(3, 2, 8, 8);
    const grey = tf.tile(smoothImages(4, 1, 8, 8, 1), [1, 1, 1, 3]) as tf.Tensor4D;
    const images = tf.concat([color, grey], 0) as tf.Tensor4D;
    const t = colorizationTargets(images, { outputSize: [4, 4] });
    expect(t.input.shape).toEqual([3, 8, 8, 1]);
    expect(t.soft.shape).toEqual([3, 4, 4, abBins().length]);
    expect(Array.from(t.sampleMask.dataSync())).toEqual([1, 1, 0]);
    tf.tidy(() => {
      // Input = L / 50 - 1 of the full-size image.
      expect(maxAbsDiff(t.input, normalizeLightness(splitLab(images).lightness))).toBeLessThan(1e-5);
      // The targets are distributions whose mean bin centre is close to the ab they encode (within a bin).
      expect(maxAbsDiff(tf.sum(t.soft, 3), tf.onesLike(tf.sum(t.soft, 3)))).toBeLessThan(1e-5);
      const decoded = annealedMean(t.soft, { temperature: 1 });
      expect(value(tf.max(tf.abs(tf.sub(decoded, t.ab))))).toBeLessThan(5);
    });
    expectNoLeak(() => ({ ...colorizationTargets(images, { outputSize: [2, 2] }) }));
    expectInvalid(() => colorizationTargets(images, { outputSize: [16, 16] }), 'options.outputSize');
    tf.dispose([color, grey, images, t.input, t.ab, t.soft, t.sampleMask]);
  });
});

describe('color prior and rebalancing', () => {
  it('counts bins of color images only, and the rebalancing weights average to 1 under the prior', async () => {
    const color = smoothImages(6, 3, 8, 8);
    const grey = tf.tile(smoothImages(7, 2, 8, 8, 1), [1, 1, 1, 3]) as tf.Tensor4D;
    const images = tf.concat([color, grey], 0) as tf.Tensor4D;
    const counts = tf.tidy(() => {
      const { ab } = splitLab(images);
      return abBinCounts(ab, { sampleMask: chromaMask(ab, 5) });
    });
    expect(value(tf.sum(counts))).toBeCloseTo(3 * 64, 3);
    const dataset = tensorDataset(images);
    const prior = await estimateAbPrior(dataset, { batchSize: 2 });
    const fromCounts = tf.tidy(() => tf.div(counts, tf.sum(counts)));
    expect(maxAbsDiff(tf.tensor1d(prior), fromCounts)).toBeLessThan(1e-6);
    for (const lambda of [0.1, 0.5, 0.9]) {
      for (const sigma of [0, 5]) {
        const { smoothedPrior, weights } = classRebalancing(prior, { lambda, sigma });
        const w = weights.dataSync();
        // Zhang et al.: E[w] = sum_q p~_q w_q = 1 under the (smoothed) prior.
        expect(smoothedPrior.reduce((s, p, q) => s + p * w[q]!, 0)).toBeCloseTo(1, 4);
        // Same weights as augment's rebalancingWeights, which smooths internally.
        const reference = rebalancingWeights(prior, { lambda, sigma });
        expect(maxAbsDiff(weights, reference)).toBeLessThan(1e-4);
        tf.dispose([weights, reference]);
      }
    }
    tf.dispose([color, grey, counts, fromCounts]);
    dataset.dispose?.();
    const greyOnly = tensorDataset(tf.zeros([2, 4, 4, 3]) as tf.Tensor4D);
    await expect(estimateAbPrior(greyOnly)).rejects.toThrow(/color images/);
    greyOnly.dispose?.();
  });
});
