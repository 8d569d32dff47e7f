import * as tf from '@tensorflow/tfjs-core';
import { RELATIVE_LOCATION_CELLS } from '@selfsup/augment';
import { alexNetSmall, convNet } from '@selfsup/encoders';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { smoothImages } from '../../test/helpers.js';
import { expectEncoderContract, expectTrains } from '../../test/method-checks.js';
import { relativePatchLocation } from './relative-patch-location.js';

const tinyEncoder = (c = 3) => convNet({ inputShape: [-1, -1, c], channels: [8, 16], seed: 3 });

describe('relativePatchLocation', () => {
  it('labels each pair with the position of the second patch around the first', () => {
    const method = relativePatchLocation({ encoder: tinyEncoder(), patchSize: 6, gap: 2, jitter: 1, colorDrop: false, downUpSample: false, normalize: false });
    expect(method.name).toBe('relative-location'); // the CLI's name
    const images = seededImages(5, 6, 28, 28);
    const pairs = method.samples(images, createRng(9));
    const labels = Array.from(pairs.labels.dataSync());
    pairs.positions.forEach(([first, second], i) => {
      const cell = RELATIVE_LOCATION_CELLS[labels[i]!]!;
      const [row, col] = [Math.floor(cell / 3) - 1, (cell % 3) - 1];
      // The second patch sits one cell (patch 6 + gap 2) away in that direction, up to the two patches' jitter (1 each).
      expect(Math.abs(second[0] - first[0] - 8 * row)).toBeLessThanOrEqual(2);
      expect(Math.abs(second[1] - first[1] - 8 * col)).toBeLessThanOrEqual(2);
      // The patches are the pixels at those positions.
      tf.tidy(() => {
        const crop = (p: readonly [number, number]) => tf.slice(images, [i, p[0], p[1], 0], [1, 6, 6, 3]);
        expect(maxAbsDiff(tf.slice(pairs.first, [i, 0, 0, 0], [1, -1, -1, -1]), crop(first))).toBe(0);
        expect(maxAbsDiff(tf.slice(pairs.second, [i, 0, 0, 0], [1, -1, -1, -1]), crop(second))).toBe(0);
      });
    });
    tf.dispose([images, pairs.first, pairs.second, pairs.labels]);
    method.dispose();
  });

  it('removes shortcuts by default: color dropping leaves one informative channel per patch', () => {
    const method = relativePatchLocation({ encoder: tinyEncoder(), patchSize: 6, gap: 2, jitter: 1 });
    expect(method.config['colorDrop']).toBe(true);
    expect(method.config['downUpSample']).toBe(true);
    expect(method.config['downUpSampleProbability']).toBe(0.33);
    expect(method.config['normalize']).toBe(true);
    const images = seededImages(6, 4, 28, 28);
    const pairs = method.samples(images, createRng(1));
    const stds = tf.tidy(() => tf.sqrt(tf.moments(tf.concat([pairs.first, pairs.second], 0), [1, 2]).variance).arraySync() as number[][]);
    for (const perChannel of stds) {
      const sorted = [...perChannel].sort((a, b) => a - b);
      // Two channels are the kept channel's mean plus noise of 1/100 its deviation.
      expect(sorted[1]!).toBeLessThan(0.05 * sorted[2]! + 1e-6);
    }
    tf.dispose([images, pairs.first, pairs.second, pairs.labels]);
    method.dispose();
  });

  it('keeps the guards on at 28x28 by default: gap 3, jitter 1, every patch standardised on its own', () => {
    const method = relativePatchLocation({ encoder: tinyEncoder(1), colorDrop: false, downUpSample: false });
    const images = smoothImages(9, 16, 28, 28, 1);
    const pairs = method.samples(images, createRng(5));
    expect(pairs.layout).toEqual({ patchSize: 6, gap: 3, jitter: 1 });
    // Jittered: the offset between the two patches is not always a whole number of cells.
    const offGrid = pairs.positions.filter(([a, b]) => (b[0] - a[0]) % 9 !== 0 || (b[1] - a[1]) % 9 !== 0);
    expect(offGrid.length).toBeGreaterThan(0);
    // Against the raw patches (same positions: standardising draws nothing): (x - mean) / sqrt(variance + 1e-6).
    const raw = relativePatchLocation({ encoder: tinyEncoder(1), colorDrop: false, downUpSample: false, normalize: false });
    const rawPairs = raw.samples(images, createRng(5));
    expect(rawPairs.positions).toEqual(pairs.positions);
    const rows = (p: typeof pairs) => tf.tidy(() => tf.reshape(tf.concat([p.first, p.second], 0), [32, 36]).arraySync() as number[][]);
    const got = rows(pairs);
    rows(rawPairs).forEach((patch, k) => {
      const mean = patch.reduce((a, b) => a + b, 0) / 36;
      const std = Math.sqrt(patch.reduce((a, b) => a + (b - mean) ** 2, 0) / 36 + 1e-6);
      patch.forEach((v, i) => expect(got[k]![i]!).toBeCloseTo((v - mean) / std, 3));
      expect(Math.abs(got[k]!.reduce((a, b) => a + b, 0) / 36)).toBeLessThan(1e-5);
    });
    tf.dispose([rawPairs.first, rawPairs.second, rawPairs.labels]);
    raw.dispose();
    tf.dispose([images, pairs.first, pairs.second, pairs.labels]);
    method.dispose();
  });

  it('trains (falling loss, no NaN); the exposed encoder is the patch encoder on whole images, standardised like the patches', async () => {
    const method = relativePatchLocation({ encoder: tinyEncoder(), patchSize: 6, gap: 2, jitter: 1, hiddenDims: [16] });
    const images = smoothImages(7, 8, 28, 28);
    await expectTrains(method, images, { steps: 10 });
    expectEncoderContract(method.encoder, images, method);
    expect(method.encoder.architecture).toBe('wholeImage');
    // Same weights as the patch encoder, applied to the whole standardised image.
    const standardized = tf.tidy(() => {
      const { mean, variance } = tf.moments(images, [1, 2, 3], true);
      return tf.div(tf.sub(images, mean), tf.sqrt(tf.add(variance, 1e-6))) as tf.Tensor4D;
    });
    const a = method.encoder.apply(images);
    const b = method.patchEncoder.apply(standardized);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    tf.dispose([images, standardized, a, b]);
    method.dispose();
    // Without normalisation the probe sees the raw image.
    const raw = relativePatchLocation({ encoder: tinyEncoder(), normalize: false });
    const x = smoothImages(8, 2, 28, 28);
    const c = raw.encoder.apply(x);
    const d = raw.patchEncoder.apply(x);
    expect(maxAbsDiff(c, d)).toBe(0);
    tf.dispose([x, c, d]);
    raw.dispose();
  });

  it('resizes patches for a fixed-size patch encoder (and whole images for its probe)', () => {
    const encoder = alexNetSmall({ inputShape: [8, 8, 3], width: 0.125, outputDim: 16, seed: 1 });
    const method = relativePatchLocation({ encoder, patchSize: 6, gap: 2, jitter: 1, hiddenDims: [] });
    const images = smoothImages(8, 4, 28, 28);
    const loss = tf.tidy(() => method.loss({ images, indices: [0, 1, 2, 3] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(2) }).dataSync()[0]!);
    expect(Number.isFinite(loss)).toBe(true);
    expectEncoderContract(method.encoder, images, method);
    images.dispose();
    method.dispose();
  });

  it('validates its options', () => {
    const encoder = tinyEncoder();
    expectInvalid(() => relativePatchLocation({ encoder, hiddenDims: [-1] }), 'options.hiddenDims');
    expectInvalid(() => relativePatchLocation({ encoder, colorDrop: 3 as never }).samples(seededImages(1, 1, 28, 28), createRng(0)), 'options.colorDrop');
    expectInvalid(() => relativePatchLocation({ encoder, normalize: 'yes' as never }), 'options.normalize');
    expectInvalid(() => relativePatchLocation({ encoder, minGap: -1 }), 'options.minGap');
    expectInvalid(() => relativePatchLocation({ encoder, minJitter: 1.5 }), 'options.minJitter');
    encoder.dispose();
  });
});
