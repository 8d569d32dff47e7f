import * as tf from '@tensorflow/tfjs-core';
import { abBins, quantizeAb } from '@selfsup/augment';
import { globalAvgPool } from '@selfsup/encoders';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff } from '@selfsup/test-utils';
import { smoothImages } from '../../test/helpers.js';
import { expectEncoderContract, expectTrains } from '../../test/method-checks.js';
import { downsampleTo, normalizeAb, normalizeLightness, splitLab } from '../color/lab-channels.js';
import { labConvNet } from '../nets/lab-conv-net.js';
import { splitBrain } from './split-brain.js';

const tinyEncoder = () => labConvNet({ input: 'split', channels: [8, 12], strides: [1, 2], seed: 7 });

describe('splitBrain', () => {
  it('makes each half’s target from the other channels, quantised at the trunk resolution', () => {
    const method = splitBrain({ encoder: tinyEncoder(), lightnessBins: 20 });
    expect(method.name).toBe('split-brain'); // the CLI's name
    const images = smoothImages(1, 2, 16, 16);
    const t = method.samples(images);
    expect(t.abLabels.shape).toEqual([2, 8, 8]);
    expect(t.lightnessLabels.shape).toEqual([2, 8, 8]);
    tf.tidy(() => {
      const { lightness, ab } = splitLab(images);
      expect(maxAbsDiff(t.lightnessInput, normalizeLightness(lightness))).toBeLessThan(1e-5);
      expect(maxAbsDiff(t.abInput, normalizeAb(ab))).toBeLessThan(1e-5);
      const smallL = downsampleTo(lightness, [8, 8]).dataSync();
      const labels = t.lightnessLabels.dataSync();
      // Every L* label's bin centre is within half a bin (2.5) of the averaged L*.
      labels.forEach((label, i) => expect(Math.abs(method.lightnessBins[label]! - smallL[i]!)).toBeLessThanOrEqual(2.5 + 1e-4));
      // The ab labels are the nearest bins of the averaged ab.
      expect(Array.from(t.abLabels.dataSync())).toEqual(Array.from(quantizeAb(downsampleTo(ab, [8, 8])).dataSync()));
      const centres = abBins();
      const smallAb = downsampleTo(ab, [8, 8]).dataSync();
      Array.from(t.abLabels.dataSync()).forEach((label, i) => {
        const [a, b] = centres[label]!;
        expect(Math.hypot(a - smallAb[2 * i]!, b - smallAb[2 * i + 1]!)).toBeLessThanOrEqual(10);
      });
    });
    tf.dispose([images, t.lightnessInput, t.abInput, t.abLabels, t.lightnessLabels, t.sampleMask]);
    method.dispose();
  });

  it('trains both halves (falling loss, no NaN); the representation concatenates both halves’ features', async () => {
    const method = splitBrain({ encoder: tinyEncoder(), headChannels: 0 });
    const images = smoothImages(2, 6, 16, 16);
    await expectTrains(method, images, { steps: 8, learningRate: 1e-2 });
    const m = method.metrics?.() ?? {};
    for (const key of ['abLoss', 'lightnessLoss', 'abAccuracy', 'lightnessAccuracy']) expect(Number.isFinite(m[key])).toBe(true);
    expectEncoderContract(method.encoder, images, method);
    expect(method.encoder.outputDim).toBe(24);
    const features = method.encoder.apply(images);
    const expected = tf.tidy(() => {
      const { lightness, ab } = splitLab(images);
      const l = globalAvgPool(method.encoder.lightnessTrunk!.apply(normalizeLightness(lightness) as tf.Tensor4D));
      const c = globalAvgPool(method.encoder.abTrunk!.apply(normalizeAb(ab) as tf.Tensor4D));
      return tf.concat([l, c], 1);
    });
    expect(maxAbsDiff(features, expected)).toBeLessThan(1e-5);
    tf.dispose([images, features, expected]);
    method.dispose();
  });

  it('validates its options', () => {
    const lightnessOnly = labConvNet({ input: 'lightness', channels: [4], seed: 1 });
    expectInvalid(() => splitBrain({ encoder: lightnessOnly }), 'options.encoder');
    const encoder = tinyEncoder();
    expectInvalid(() => splitBrain({ encoder, lightnessBins: 1 }), 'options.lightnessBins');
    lightnessOnly.dispose();
    encoder.dispose();
  });
});
