import * as tf from '@tensorflow/tfjs-core';
import { alexNetSmall, buildEncoder, convNet, unregisterArchitecture } from '@selfsup/encoders';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { smoothImages } from '../../test/helpers.js';
import { expectEncoderContract } from '../../test/method-checks.js';
import { convTrunk } from './conv-trunk.js';
import { denseHead } from './dense-head.js';
import { imageDecoder } from './image-decoder.js';
import { labConvNet } from './lab-conv-net.js';
import { registerPretextArchitectures } from './register.js';
import { wholeImageEncoder } from './whole-image-encoder.js';

describe('convTrunk', () => {
  it('keeps the spatial layout at 1 / product(strides) and names its variables', () => {
    const trunk = convTrunk({ inChannels: 1, channels: [4, 8, 8], seed: 1 }, 'lightness');
    expect(trunk.downsampling).toBe(4);
    expect(trunk.outputSize(16, 12)).toEqual([4, 3]);
    const x = seededImages(1, 2, 16, 12, 1);
    const y = trunk.apply(x, { training: true });
    expect(y.shape).toEqual([2, 4, 3, 8]);
    expect(trunk.variables.every((v) => v.name.startsWith('lightness/block'))).toBe(true);
    tf.dispose([x, y]);
    trunk.dispose();
    expectInvalid(() => convTrunk({ inChannels: 1, channels: [4], strides: [1, 2] }), 'options.strides');
    expectInvalid(() => convTrunk({ inChannels: 1, kernelSize: 2 }), 'options.kernelSize');
  });
});

describe('labConvNet', () => {
  it('is an Encoder of RGB or grey images in Lab, one or two halves', () => {
    const images = smoothImages(1, 3, 12, 12);
    for (const input of ['lightness', 'ab', 'split'] as const) {
      const encoder = labConvNet({ input, channels: [4, 6], seed: 2 });
      expect(encoder.outputDim).toBe(input === 'split' ? 12 : 6);
      expectEncoderContract(encoder, images);
      encoder.dispose();
    }
    const lightness = labConvNet({ input: 'lightness', channels: [4], seed: 3 });
    const grey = smoothImages(2, 2, 8, 8, 1);
    const asRgb = tf.tile(grey, [1, 1, 1, 3]) as tf.Tensor4D;
    const a = lightness.apply(grey);
    const b = lightness.apply(asRgb);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    expectInvalid(() => lightness.apply(tf.zeros([1, 4, 4, 2])), 'inputs');
    expectInvalid(() => labConvNet({ input: 'rgb' as never }), 'options.input');
    tf.dispose([images, grey, asRgb, a, b]);
    lightness.dispose();
  });
});

describe('wholeImageEncoder', () => {
  it('resizes whole images for a fixed-size patch encoder and shares its variables', () => {
    const patchEncoder = alexNetSmall({ inputShape: [8, 8, 3], width: 0.125, outputDim: 16, seed: 1 });
    const encoder = wholeImageEncoder(patchEncoder);
    expect(encoder.inputShape).toEqual([-1, -1, 3]);
    encoder.variables.forEach((v, i) => expect(v.variable).toBe(patchEncoder.variables[i]!.variable));
    const images = smoothImages(3, 2, 20, 20);
    expectEncoderContract(encoder, images);
    const a = encoder.apply(images);
    const b = tf.tidy(() => patchEncoder.apply(tf.image.resizeBilinear(images, [8, 8], false, true)));
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([images, a, b]);
    patchEncoder.dispose();
    expectInvalid(() => wholeImageEncoder({} as never), 'patchEncoder');
  });

  it('is rebuilt from its config once the pretext architectures are registered', () => {
    registerPretextArchitectures();
    registerPretextArchitectures(); // idempotent
    const inner = convNet({ inputShape: [-1, -1, 1], channels: [4], seed: 9 });
    const encoder = wholeImageEncoder(inner, { standardize: true, resizeTo: [10, 10] });
    const rebuilt = buildEncoder(encoder.architecture, encoder.config);
    expect(rebuilt.architecture).toBe('wholeImage');
    expect(rebuilt.config).toEqual(encoder.config);
    const images = smoothImages(4, 2, 14, 14, 1);
    // Same seed in the inner config: same initial weights, same embedding.
    const a = encoder.apply(images);
    const b = rebuilt.apply(images);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    const lab = labConvNet({ input: 'split', channels: [4], seed: 5 });
    const labAgain = buildEncoder('labConvNet', lab.config);
    expect(labAgain.outputDim).toBe(8);
    tf.dispose([images, a, b]);
    for (const e of [inner, rebuilt, lab, labAgain]) e.dispose();
    unregisterArchitecture('wholeImage');
    unregisterArchitecture('labConvNet');
  });
});

describe('imageDecoder and denseHead', () => {
  it('decode codes to images in (0, 1) and predict per position', () => {
    const decoder = imageDecoder({ inputDim: 6, imageSize: [16, 8], channels: [8, 4], outChannels: 3, seed: 1 });
    const codes = tf.randomNormal([2, 6], 0, 1, 'float32', 1) as tf.Tensor2D;
    const images = decoder.apply(codes, { training: true });
    expect(images.shape).toEqual([2, 16, 8, 3]);
    expect(tf.tidy(() => tf.min(images).dataSync()[0]!)).toBeGreaterThan(0);
    expect(tf.tidy(() => tf.max(images).dataSync()[0]!)).toBeLessThan(1);
    expectInvalid(() => imageDecoder({ inputDim: 6, imageSize: [0, 8], channels: [8, 4] }), 'options.imageSize[0]');
    expectInvalid(() => imageDecoder({ inputDim: 6, imageSize: [10, 7.5], channels: [8, 4] }), 'options.imageSize[1]');
    const head = denseHead({ inChannels: 3, outChannels: 5, hiddenChannels: 4, seed: 1 }, 'head');
    const logits = head.apply(images, { training: true });
    expect(logits.shape).toEqual([2, 16, 8, 5]);
    expect(head.variables.every((v) => v.name.startsWith('head/'))).toBe(true);
    tf.dispose([codes, images, logits]);
    decoder.dispose();
    head.dispose();
  });

  it('decode to any image size, starting from ceil(side / 2^stages) (28 and 14 px included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 3 }), (h, w, stages) => {
        const channels = Array.from({ length: stages }, () => 2);
        const decoder = imageDecoder({ inputDim: 3, imageSize: [h, w], channels, outChannels: 1, seed: 2 });
        const fcWeights = decoder.variables.find((v) => v.name.startsWith('fc/') && v.variable.rank === 2)!;
        expect(fcWeights.variable.shape[1]).toBe(Math.ceil(h / 2 ** stages) * Math.ceil(w / 2 ** stages) * 2);
        const codes = tf.ones([2, 3]) as tf.Tensor2D;
        const before = tf.memory().numTensors;
        const images = decoder.apply(codes, { training: true });
        expect(images.shape).toEqual([2, h, w, 1]);
        images.dispose();
        expect(tf.memory().numTensors).toBe(before);
        codes.dispose();
        decoder.dispose();
      }),
      { numRuns: 12 },
    );
  });
});
