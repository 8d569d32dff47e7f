import * as tf from '@tensorflow/tfjs-core';
import { abBins } from '@selfsup/augment';

import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff } from '@selfsup/test-utils';
import { smoothImages, value } from '../../test/helpers.js';
import { expectEncoderContract, expectTrains, fixedLoss } from '../../test/method-checks.js';
import { splitLab } from '../color/lab-channels.js';
import { labConvNet } from '../nets/lab-conv-net.js';
import { colorization } from './colorization.js';

const tinyEncoder = () => labConvNet({ input: 'lightness', channels: [8, 16], strides: [1, 2], seed: 6 });
const greyAsRgb = (seed: number, n: number) => tf.tidy(() => tf.tile(smoothImages(seed, n, 16, 16, 1), [1, 1, 1, 3]) as tf.Tensor4D);

describe('colorization', () => {
  it('trains by rebalanced classification over ab bins (falling loss, no NaN); weights average 1 under the prior', async () => {
    const method = colorization({ encoder: tinyEncoder(), headChannels: 0 });
    const images = smoothImages(1, 6, 16, 16);
    // Before any data the prior is uniform and every weight is 1.
    expect(method.classWeights().every((w) => w === 1)).toBe(true);
    await expectTrains(method, images, { steps: 8, learningRate: 1e-2 });
    const prior = method.smoothedPrior();
    const weights = method.classWeights();
    expect(prior.length).toBe(abBins().length);
    expect(prior.reduce((s, p, q) => s + p * weights[q]!, 0)).toBeCloseTo(1, 4);
    // Rebalancing: rare colors weigh more than common ones.
    const common = prior.indexOf(Math.max(...prior));
    const rare = prior.indexOf(Math.min(...prior));
    expect(weights[rare]!).toBeGreaterThan(weights[common]!);
    // The running prior is a variable that the checkpoint keeps.
    const counts = method.variables.find((v) => v.name === 'colorization/prior/counts');
    expect(counts?.trainable).toBe(false);
    expect(value(tf.sum(counts!.variable))).toBeGreaterThan(0);
    expectEncoderContract(method.encoder, images, method);
    images.dispose();
    method.dispose();
  });

  it('trains on soft targets at the trunk resolution whose decoding returns the averaged ab', () => {
    const method = colorization({ encoder: tinyEncoder(), headChannels: 0 });
    const images = smoothImages(8, 2, 16, 16);
    const t = method.samples(images);
    expect(t.soft.shape).toEqual([2, 8, 8, abBins().length]);
    tf.tidy(() => {
      const { ab } = splitLab(images);
      const averaged = tf.avgPool(ab, 2, 2, 'valid');
      expect(maxAbsDiff(t.ab, averaged)).toBeLessThan(1e-3);
      // The target's dominant bin is the bin nearest the averaged ab (within half the 10-unit grid diagonal).
      const dominant = Array.from(tf.argMax(t.soft, 3).dataSync());
      const values = averaged.dataSync();
      dominant.forEach((q, i) => {
        const [a, b] = abBins()[q]!;
        expect(Math.hypot(a - values[2 * i]!, b - values[2 * i + 1]!)).toBeLessThanOrEqual(Math.SQRT2 * 5 + 1e-3);
      });
    });
    tf.dispose([images, t.input, t.ab, t.soft, t.sampleMask]);
    method.dispose();
  });

  it('leaves images that are grey everywhere out of the loss', () => {
    const method = colorization({ encoder: tinyEncoder(), headChannels: 0 });
    const grey = greyAsRgb(2, 4);
    expect(fixedLoss(method, grey)).toBe(0);
    expect(method.metrics?.()['includedImages']).toBe(0);
    const color = smoothImages(3, 4, 16, 16);
    const mixed = tf.concat([color, grey], 0) as tf.Tensor4D;
    // Grey images add nothing: the loss of the mix equals the loss of the color images alone (same prior and weights;
    // no batch norm, whose batch statistics would let the grey images change the color images' predictions).
    const unnormalised = labConvNet({ input: 'lightness', channels: [8, 16], strides: [1, 2], norm: 'none', seed: 6 });
    const fixed = colorization({ encoder: unnormalised, headChannels: 0, prior: new Float32Array(abBins().length).fill(1) });
    const [lossColor, lossMixed] = [fixedLoss(fixed, color), fixedLoss(fixed, mixed)];
    expect(lossMixed).toBeCloseTo(lossColor, 4);
    expect(fixed.metrics?.()['includedImages']).toBe(0.5);
    tf.dispose([grey, color, mixed]);
    method.dispose();
    fixed.dispose();
  });

  it('colorizes: keeps the lightness, decodes the annealed mean, accepts grey input', () => {
    const method = colorization({ encoder: tinyEncoder() });
    const images = smoothImages(4, 2, 16, 16);
    const before = tf.memory().numTensors;
    const rgb = method.colorize(images);
    expect(rgb.shape).toEqual([2, 16, 16, 3]);
    tf.tidy(() => {
      expect(value(tf.min(rgb))).toBeGreaterThanOrEqual(0);
      expect(value(tf.max(rgb))).toBeLessThanOrEqual(1);
      // The lightness survives (up to gamut clipping of the predicted colors).
      const { lightness: l0 } = splitLab(images);
      const { lightness: l1 } = splitLab(rgb);
      expect(value(tf.mean(tf.abs(tf.sub(l0, l1))))).toBeLessThan(3);
      // A colder temperature moves the decoded ab towards the mode: a different answer.
      const cold = method.predictAb(images, { temperature: 0.01 });
      const warm = method.predictAb(images, { temperature: 1 });
      expect(maxAbsDiff(cold, warm)).toBeGreaterThan(0);
    });
    rgb.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const grey = method.colorize(greyAsRgb(5, 1));
    expect(grey.shape).toEqual([1, 16, 16, 3]);
    grey.dispose();
    images.dispose();
    method.dispose();
  });

  it('offers the L2 regression variant', async () => {
    const method = colorization({ encoder: tinyEncoder(), objective: 'regression', headChannels: 8 });
    expect(method.head.outChannels).toBe(2);
    const images = smoothImages(6, 6, 16, 16);
    await expectTrains(method, images, { steps: 8 });
    const ab = method.predictAb(images);
    expect(ab.shape).toEqual([6, 16, 16, 2]);
    tf.dispose([ab, images]);
    method.dispose();
  });

  it('validates its options', () => {
    const encoder = tinyEncoder();
    const split = labConvNet({ input: 'split', channels: [4], seed: 1 });
    expectInvalid(() => colorization({ encoder: split }), 'options.encoder');
    expectInvalid(() => colorization({ encoder, objective: 'gan' as never }), 'options.objective');
    expectInvalid(() => colorization({ encoder, rebalancing: { lambda: 2 } }), 'options.rebalancing.lambda');
    expectInvalid(() => colorization({ encoder, prior: [1, 2, 3] }), 'options.prior');
    const method = colorization({ encoder });
    expectInvalid(() => method.predictAb(tf.zeros([1, 4, 4, 2]) as tf.Tensor4D), 'images');
    method.dispose();
    split.dispose();
  });
});
