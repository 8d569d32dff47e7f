import * as tf from '@tensorflow/tfjs-core';
import { rotate90 } from '@selfsup/augment';
import { convNet } from '@selfsup/encoders';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff } from '@selfsup/test-utils';
import { smoothImages } from '../../test/helpers.js';
import { expectEncoderContract, expectTrains } from '../../test/method-checks.js';
import { rotNet } from './rotnet.js';

const tinyEncoder = () => convNet({ inputShape: [-1, -1, 1], channels: [8, 16], seed: 1 });

describe('rotNet', () => {
  it('labels every image with the quarter turns that made it: rotating back by the label restores the image', () => {
    const method = rotNet({ encoder: tinyEncoder(), hiddenDims: [] });
    expect(method.name).toBe('rotnet'); // the CLI's name
    const images = smoothImages(1, 3, 12, 12, 1);
    const { images: rotated, labels } = method.samples(images);
    expect(rotated.shape).toEqual([12, 12, 12, 1]);
    const k = Array.from(labels.dataSync());
    // Kept together: image i's four rotations are rows 4i..4i+3.
    expect(k).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    const restored = rotate90(rotated, k.map((v) => -v));
    const originals = tf.tidy(() => tf.gather(images, tf.tensor1d([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], 'int32')));
    expect(maxAbsDiff(restored, originals)).toBe(0);
    tf.dispose([images, rotated, labels, restored, originals]);
    method.dispose();
  });

  it('trains (falling loss, no NaN) and exposes an encoder that satisfies the contract', async () => {
    const method = rotNet({ encoder: tinyEncoder(), hiddenDims: [16] });
    const images = smoothImages(2, 8, 16, 16, 1);
    await expectTrains(method, images, { steps: 8 });
    expect(method.metrics?.()['accuracy']).toBeGreaterThanOrEqual(0);
    expectEncoderContract(method.encoder, images, method);
    expect(method.variables.some((v) => v.name.startsWith('head/'))).toBe(true);
    images.dispose();
    method.dispose();
    expect(method.encoder.variables[0]!.variable.isDisposed).toBe(true);
  });

  it('validates its options', () => {
    expectInvalid(() => rotNet({ encoder: {} as never }), 'options.encoder');
    const encoder = tinyEncoder();
    expectInvalid(() => rotNet({ encoder, hiddenDims: [0] }), 'options.hiddenDims');
    encoder.dispose();
  });
});
