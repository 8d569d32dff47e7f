import * as tf from '@tensorflow/tfjs-core';
import { rotateImages } from '@selfsup/augment';
import { convNet } from '@selfsup/encoders';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectInvalid } from '@selfsup/test-utils';
import { smoothImages } from '../../test/helpers.js';
import { expectEncoderContract, expectTrains } from '../../test/method-checks.js';
import { rotationRegression } from './rotation-regression.js';

const tinyEncoder = () => convNet({ inputShape: [-1, -1, 1], channels: [8, 16], seed: 2 });

/** Mean absolute difference over the central square of side `side`. */
function centralError(a: tf.Tensor4D, b: tf.Tensor4D, side: number): number {
  return tf.tidy(() => {
    const [, h, w] = a.shape;
    const begin = [0, Math.floor((h - side) / 2), Math.floor((w - side) / 2), 0];
    const size = [-1, side, side, -1];
    return tf.mean(tf.abs(tf.sub(tf.slice(a, begin, size), tf.slice(b, begin, size)))).dataSync()[0]!;
  });
}

describe('rotationRegression', () => {
  it('labels each image with its angle: rotating back by the label restores the image (up to resampling)', () => {
    const method = rotationRegression({ encoder: tinyEncoder(), zoomToFit: false, hiddenDims: [] });
    expect(method.name).toBe('rotation-regression'); // the CLI's name
    const images = smoothImages(3, 4, 24, 24, 1);
    const { images: rotated, angles } = method.samples(images, createRng(5));
    const list = Array.from(angles.dataSync());
    for (const a of list) expect(Math.abs(a)).toBeLessThanOrEqual(Math.PI);
    const back = rotateImages(rotated, list.map((a) => -a));
    // Bilinear twice on smooth images: small error in the middle (the corners were outside the rotated frame).
    expect(centralError(back, images, 12)).toBeLessThan(0.02);
    // Rotating back by a wrong angle does not restore it: the check can fail.
    const wrong = rotateImages(rotated, list.map((a) => -a + 1));
    expect(centralError(wrong, images, 12)).toBeGreaterThan(0.03);
    tf.dispose([images, rotated, angles, back, wrong]);
    method.dispose();
  });

  it('trains (falling loss, no NaN), decodes angles, exposes a contract-abiding encoder', async () => {
    const method = rotationRegression({ encoder: tinyEncoder(), hiddenDims: [16], range: [-1, 1] });
    const images = smoothImages(4, 8, 16, 16, 1);
    await expectTrains(method, images, { steps: 8 });
    const angles = method.predictAngles(images);
    expect(angles.shape).toEqual([8]);
    expect(Array.from(angles.dataSync()).every((a) => Math.abs(a) <= Math.PI + 1e-6)).toBe(true);
    expect(method.metrics?.()['angularErrorDegrees']).toBeGreaterThanOrEqual(0);
    expectEncoderContract(method.encoder, images, method);
    tf.dispose([images, angles]);
    method.dispose();
  });

  it('validates its options', () => {
    const encoder = tinyEncoder();
    expectInvalid(() => rotationRegression({ encoder, range: [1, -1] }), 'options.range');
    expectInvalid(() => rotationRegression({ encoder, zoomToFit: 'yes' as never }), 'options.zoomToFit');
    encoder.dispose();
  });
});
