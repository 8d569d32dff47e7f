import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { colorDrop, downUpSample } from './shortcuts.js';

describe('colorDrop', () => {
  it('keeps exactly one channel per patch and fills the others with near-constant noise', () => {
    const x = seededImages(1, 20, 6, 6);
    const y = colorDrop(x, createRng(2));
    const xs = x.arraySync();
    const ys = y.arraySync();
    for (let n = 0; n < 20; n++) {
      const kept = [0, 1, 2].filter((c) => ys[n]!.every((row, i) => row.every((px, j) => px[c] === xs[n]![i]![j]![c])));
      expect(kept).toHaveLength(1);
      const keptValues = ys[n]!.flat().map((px) => px[kept[0]!]!);
      const mean = keptValues.reduce((a, b) => a + b, 0) / keptValues.length;
      const std = Math.sqrt(keptValues.reduce((a, b) => a + (b - mean) ** 2, 0) / keptValues.length);
      for (const c of [0, 1, 2].filter((k) => k !== kept[0])) {
        const dropped = ys[n]!.flat().map((px) => px[c]!);
        for (const v of dropped) expect(Math.abs(v - mean)).toBeLessThan(6 * 0.01 * std + 1e-6);
      }
    }
    const grey = seededImages(2, 2, 4, 4, 1);
    const same = colorDrop(grey, createRng(0));
    expect(maxAbsDiff(same, grey)).toBe(0);
    expectInvalid(() => colorDrop(grey, createRng(0), { noise: -1 }), 'options.noise');
    tf.dispose([x, y, grey, same]);
  });
});

describe('downUpSample', () => {
  it('p 0 is the identity; p 1 blurs patches but keeps their shape and range', () => {
    const x = seededImages(3, 12, 16, 16);
    const none = downUpSample(x, createRng(0), { p: 0 });
    expect(maxAbsDiff(none, x)).toBe(0);
    const all = downUpSample(x, createRng(0), { p: 1, minScale: 0.2 });
    expect(all.shape).toEqual(x.shape);
    // Down- and up-sampling removes high frequencies: neighbouring pixels get closer.
    const roughness = (t: tf.Tensor4D) =>
      tf.tidy(() => tf.mean(tf.abs(tf.sub(tf.slice(t, [0, 0, 1, 0], [-1, -1, 15, -1]), tf.slice(t, [0, 0, 0, 0], [-1, -1, 15, -1])))).dataSync()[0]!);
    expect(roughness(all)).toBeLessThan(roughness(x));
    const [lo, hi] = tf.tidy(() => [tf.min(all).dataSync()[0]!, tf.max(all).dataSync()[0]!]);
    expect(lo).toBeGreaterThanOrEqual(-1e-6);
    expect(hi).toBeLessThanOrEqual(1 + 1e-6);
    expectInvalid(() => downUpSample(x, createRng(0), { minScale: 0 }), 'options.minScale');
    tf.dispose([x, none, all]);
  });
});
