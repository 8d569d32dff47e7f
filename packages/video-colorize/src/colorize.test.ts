import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { colorize, colorError } from './colorize.js';
import { labPixelFeatures } from './features.js';
import { rgbToLab } from '@selfsup/augment';

const abOf = (rgb: tf.Tensor4D) => tf.tidy(() => tf.slice(rgbToLab(rgb), [0, 0, 0, 1], [-1, -1, -1, 2]) as tf.Tensor4D);

describe('colorize', () => {
  it('gives a frame identical to the reference the reference colors, at full resolution', () => {
    const before = tf.memory().numTensors;
    const frame = tf.randomUniform([1, 16, 20, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const ab = abOf(frame);
    const targets = tf.tile(frame, [2, 1, 1, 1]) as tf.Tensor4D;
    const predicted = colorize(frame, ab, targets, { features: labPixelFeatures({ mode: 'patch' }), topK: 1 });
    expect(predicted.shape).toEqual([2, 16, 20, 2]);
    const truth = tf.tile(ab, [2, 1, 1, 1]);
    expect(colorError(predicted, truth)).toBeLessThan(1e-4);
    // With the default top 10, other cells get small weights: nearly exact.
    const soft = colorize(frame, ab, targets, { features: labPixelFeatures({ mode: 'patch' }) });
    expect(colorError(soft, truth)).toBeLessThan(0.5);
    // The cell read-out blurs: a larger, but bounded, error.
    const cell = colorize(frame, ab, targets, { features: labPixelFeatures({ mode: 'patch' }), colorResolution: 'cell' });
    expect(colorError(cell, truth)).toBeGreaterThan(1);
    tf.dispose([frame, ab, targets, predicted, soft, truth, cell]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('predicts each target location from the reference location that looks like it', () => {
    // Reference: left half grey-dark, right half grey-light, colored red and blue; target: the halves swapped.
    const h = 8;
    const w = 16;
    const ref = tf.tidy(() => tf.concat([tf.fill([1, h, w / 2, 3], 0.2), tf.fill([1, h, w / 2, 3], 0.8)], 2)) as tf.Tensor4D;
    const target = tf.tidy(() => tf.reverse(ref, 2)) as tf.Tensor4D;
    const refAb = tf.tidy(() => tf.concat([tf.fill([1, h, w / 2, 2], 40), tf.fill([1, h, w / 2, 2], -30)], 2)) as tf.Tensor4D;
    const predicted = colorize(ref, refAb, target, { features: labPixelFeatures({ mode: 'mean' }), topK: 4 });
    const expected = tf.tidy(() => tf.reverse(refAb, 2));
    expect(colorError(predicted, expected)).toBeLessThan(1e-3);
    tf.dispose([ref, target, refAb, predicted, expected]);
  });

  it('validates its arguments', () => {
    const frames = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    const ab = tf.zeros([1, 8, 8, 2]) as tf.Tensor4D;
    const features = labPixelFeatures();
    expect(() => colorize(frames, tf.zeros([1, 8, 8, 3]) as tf.Tensor4D, frames, { features })).toThrow(/referenceColors must be a tensor of shape \[1, 8, 8, 2\]/);
    expect(() => colorize(frames, ab, tf.zeros([1, 8, 12, 3]) as tf.Tensor4D, { features })).toThrow(/targetFrames must be frames of the references' size 8x8/);
    expect(() => colorize(frames, ab, frames, { features, colorResolution: 'x' as never })).toThrow(/options.colorResolution must be one of "pixel", "cell"/);
    expect(() => colorize(frames, ab, frames, { features, locality: -0.1 })).toThrow(/options.locality must be a finite number >= 0; got -0.1/);
    expect(() => colorError(ab, tf.zeros([1, 8, 8, 3]))).toThrow(/truth must be a tensor of shape \[1, 8, 8, 2\]/);
    tf.dispose([frames, ab]);
  });
});

describe('colorize / colorError argument checks', () => {
  it('name the missing options, features and tensors', () => {
    const frames = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const colors = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => colorize(frames, colors, frames, undefined as never)).toThrow(/options must be an options object with features; got undefined/);
    expect(() => colorize(frames, colors, frames, { features: {} as never })).toThrow(/options.features must be a FeatureExtractor/);
    const features = labPixelFeatures({ stride: 2 });
    expect(() => colorize(undefined as never, colors, frames, { features })).toThrow(/referenceFrames must be a tensor; got undefined/);
    expect(() => colorError(undefined as never, colors)).toThrow(/predicted must be a tensor; got undefined/);
    expect(() => colorError(colors, undefined as never)).toThrow(/truth must be a tensor; got undefined/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([frames, colors]);
  });
});
