import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import {
  CONTEXT_ENCODER_FILL,
  applyMask,
  centerMask,
  inpaintingLossWeights,
  overlapBand,
  randomBlobMasks,
  randomRectangleMasks,
} from './masks.js';

const sum = (t: tf.Tensor) => tf.tidy(() => tf.sum(t).dataSync()[0]!);
const isBinary = (t: tf.Tensor) => Array.from(t.dataSync()).every((v) => v === 0 || v === 1);

describe('centerMask', () => {
  it('is Context Encoders’ central 64x64 of 128x128', () => {
    const m = centerMask(2, [128, 128]);
    expect(m.shape).toEqual([2, 128, 128, 1]);
    expect(isBinary(m)).toBe(true);
    expect(sum(m)).toBe(2 * 64 * 64);
    const inside = tf.tidy(() => tf.sum(tf.slice(m, [0, 32, 32, 0], [1, 64, 64, 1])).dataSync()[0]!);
    expect(inside).toBe(64 * 64);
    const quarter = centerMask(1, [10, 20], { fraction: 0.3 });
    expect(sum(quarter)).toBe(3 * 6);
    tf.dispose([m, quarter]);
    expectInvalid(() => centerMask(1, [10, 10], { fraction: 2 }), 'options.fraction');
  });
});

describe('randomRectangleMasks', () => {
  it('covers some but at most maxCoverage of each image, with binary values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.1, max: 0.6, noNaN: true }), (seed, maxCoverage) => {
        const m = randomRectangleMasks(6, [24, 20], createRng(seed), { maxCoverage });
        expect(isBinary(m)).toBe(true);
        const perImage = tf.tidy(() => tf.sum(m, [1, 2, 3]).arraySync() as number[]);
        for (const covered of perImage) {
          expect(covered).toBeGreaterThan(0);
          expect(covered).toBeLessThanOrEqual(maxCoverage * 24 * 20);
        }
        m.dispose();
      }),
      { numRuns: 15 },
    );
    const a = randomRectangleMasks(3, [16, 16], createRng(1));
    const b = randomRectangleMasks(3, [16, 16], createRng(1));
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([a, b]);
    expectInvalid(() => randomRectangleMasks(1, [16, 16], createRng(0), { maxCoverage: 0.01, sideRange: [0.5, 0.6] }), 'options.sideRange');
  });
});

describe('randomBlobMasks', () => {
  it('hits the target hole fraction exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 6 }), (seed, fraction, scale) => {
        const m = randomBlobMasks(3, [20, 24], createRng(seed), { holeFraction: fraction, scale });
        expect(isBinary(m)).toBe(true);
        const perImage = tf.tidy(() => tf.sum(m, [1, 2, 3]).arraySync() as number[]);
        for (const covered of perImage) expect(covered).toBe(Math.round(fraction * 480));
        m.dispose();
      }),
      { numRuns: 15 },
    );
    expectNoLeak(() => randomBlobMasks(2, [16, 16], createRng(0)));
  });

  it('makes blobs, not salt and pepper: most hole pixels have hole neighbours', () => {
    const m = randomBlobMasks(4, [32, 32], createRng(3));
    const band = overlapBand(m, 1);
    // A smooth region has a short boundary: far fewer band pixels than hole pixels.
    expect(sum(band)).toBeLessThan(0.6 * sum(m));
    tf.dispose([m, band]);
  });
});

describe('overlapBand / inpaintingLossWeights', () => {
  it('is the ring of context pixels within `width` of the hole', () => {
    const m = centerMask(1, [16, 16]);
    const band = overlapBand(m, 2);
    expect(sum(band)).toBe(12 * 12 - 8 * 8);
    expect(sum(tf.mul(band, m))).toBe(0);
    const none = overlapBand(m, 0);
    expect(sum(none)).toBe(0);
    const weights = inpaintingLossWeights(m, { overlap: 2 });
    expect(new Set(Array.from(weights.dataSync()))).toEqual(new Set([0, 1, 10]));
    expect(sum(weights)).toBe(64 + 10 * 80);
    tf.dispose([m, band, none, weights]);
    const bad = tf.zeros([1, 4, 4, 3]);
    expectInvalid(() => overlapBand(bad as tf.Tensor4D, 1), 'masks');
    bad.dispose();
  });
});

describe('applyMask', () => {
  it('fills holes with a constant, per-channel values, the context mean or noise', () => {
    const x = seededImages(1, 2, 8, 8);
    const m = centerMask(2, [8, 8]);
    const holes = tf.tidy(() => tf.tile(m, [1, 1, 1, 3]));
    const zero = applyMask(x, m);
    expect(sum(tf.mul(zero, holes))).toBe(0);
    expect(maxAbsDiff(tf.mul(zero, tf.sub(1, holes)), tf.mul(x, tf.sub(1, holes)))).toBe(0);
    const mean = applyMask(x, m, { fill: CONTEXT_ENCODER_FILL });
    const px = tf.tidy(() => Array.from(tf.slice(mean, [0, 4, 4, 0], [1, 1, 1, 3]).dataSync()));
    px.forEach((v, c) => expect(v).toBeCloseTo(CONTEXT_ENCODER_FILL[c]!, 6));
    const ctx = applyMask(x, m, { fill: 'mean' });
    const expected = tf.tidy(() => tf.div(tf.sum(tf.mul(x, tf.sub(1, holes)), [1, 2]), 48));
    const got = tf.tidy(() => tf.reshape(tf.slice(ctx, [0, 4, 4, 0], [2, 1, 1, 3]), [2, 3]));
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5);
    const noisy = applyMask(x, m, { fill: 'noise', rng: createRng(0) });
    const again = applyMask(x, m, { fill: 'noise', rng: createRng(0) });
    expect(maxAbsDiff(noisy, again)).toBe(0);
    expect(maxAbsDiff(noisy, zero)).toBeGreaterThan(0);
    expectInvalid(() => applyMask(x, m, { fill: 'noise' }), 'options.rng');
    expectInvalid(() => applyMask(x, m, { fill: [1, 2] }), 'options.fill');
    const wrong = centerMask(1, [8, 8]);
    expectInvalid(() => applyMask(x, wrong), 'masks');
    tf.dispose([x, m, holes, zero, mean, ctx, expected, got, noisy, again, wrong]);
  });
});
