import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { depthToSpace, labPixelFeatures, spaceToDepth } from './features.js';

describe('feature helpers', () => {
  it('spaceToDepth gathers each s x s block into one cell, and depthToSpace undoes it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), (s, hc, wc, c) => {
        const h = s * hc;
        const w = s * wc;
        const x = tf.tensor4d(Float32Array.from({ length: 2 * h * w * c }, (_, i) => i), [2, h, w, c]);
        const d = spaceToDepth(x, s);
        expect(d.shape).toEqual([2, hc, wc, s * s * c]);
        const values = d.arraySync();
        const xs = x.arraySync();
        // Cell (i, j), entry (dy, dx, ch) is pixel (i*s + dy, j*s + dx, ch).
        expect(values[1]![hc - 1]![wc - 1]![(s - 1) * s * c + (s - 1) * c + (c - 1)]).toBe(xs[1]![h - 1]![w - 1]![c - 1]);
        expect(values[0]![0]![0]![c]).toBe(s > 1 ? xs[0]![0]![1]![0] : xs[0]![0]![0]![c]);
        const back = depthToSpace(d, s);
        expect(back.arraySync()).toEqual(xs);
        tf.dispose([x, d, back]);
      }),
      { numRuns: 20 },
    );
    expect(() => spaceToDepth(tf.zeros([1, 6, 8, 1]) as tf.Tensor4D, 4)).toThrow(/multiples of 4/);
  });

  it('labPixelFeatures gives patch or mean Lab cells', () => {
    const frames = tf.randomUniform([2, 8, 12, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const patch = labPixelFeatures().extract(frames);
    expect(patch.shape).toEqual([2, 2, 3, 48]);
    const mean = labPixelFeatures({ mode: 'mean', stride: 2 }).extract(frames);
    expect(mean.shape).toEqual([2, 4, 6, 3]);
    // White is L = 100, a = b = 0: scaled to (1, 0, 0).
    const white = labPixelFeatures({ mode: 'mean' }).extract(tf.ones([1, 4, 4, 3]) as tf.Tensor4D);
    Array.from(white.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(i === 0 ? 1 : 0, 3));
    expect(() => labPixelFeatures().extract(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D)).toThrow(/frames must be frames with 3 channel/);
    expect(() => labPixelFeatures({ mode: 'x' as never })).toThrow(/options.mode must be one of "patch", "mean"/);
    tf.dispose([frames, patch, mean, white]);
  });
});

describe('spaceToDepth / depthToSpace argument checks', () => {
  it('name the tensor and the stride', () => {
    expect(() => spaceToDepth([] as never, 2)).toThrow(/x must be a tensor; got \[\]/);
    expect(() => depthToSpace(undefined as never, 2)).toThrow(/x must be a tensor; got undefined/);
    const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => spaceToDepth(x, Number.NaN)).toThrow(/stride must be an integer in \[1, 64\]; got NaN/);
    expect(() => depthToSpace(x, 2 ** 40)).toThrow(/stride must be an integer in \[1, 64\]/);
    expect(tf.memory().numTensors).toBe(before);
    const rank3 = tf.zeros([4, 4, 3]);
    expect(() => spaceToDepth(rank3 as never, 2)).toThrow(/x must be a rank-4 tensor/);
    tf.dispose([x, rank3]);
  });
});
