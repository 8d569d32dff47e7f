import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { DOWN_UP_SAMPLE_PROBABILITY, colorDrop, downUpSample } from './shortcuts.js';

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

describe('colorDrop noise', () => {
  it('is Gaussian noise of 1/100 the kept channel’s deviation around its mean (Doersch et al. 2015, Sec. 3)', () => {
    const x = seededImages(4, 6, 24, 24);
    const y = colorDrop(x, createRng(8));
    const xs = x.arraySync();
    const ys = y.arraySync();
    for (let n = 0; n < 6; n++) {
      const kept = [0, 1, 2].find((c) => ys[n]!.every((row, i) => row.every((px, j) => px[c] === xs[n]![i]![j]![c])))!;
      const keptValues = ys[n]!.flat().map((px) => px[kept]!);
      const mean = keptValues.reduce((a, b) => a + b, 0) / keptValues.length;
      const std = Math.sqrt(keptValues.reduce((a, b) => a + (b - mean) ** 2, 0) / keptValues.length);
      for (const c of [0, 1, 2].filter((k) => k !== kept)) {
        const dropped = ys[n]!.flat().map((px) => px[c]!);
        const m = dropped.reduce((a, b) => a + b, 0) / dropped.length;
        const s = Math.sqrt(dropped.reduce((a, b) => a + (b - m) ** 2, 0) / dropped.length);
        // 576 draws: the sample deviation is within a few percent of 0.01 std, the mean within 0.01 std / sqrt(576) x 4.
        expect(s / (0.01 * std)).toBeGreaterThan(0.85);
        expect(s / (0.01 * std)).toBeLessThan(1.15);
        expect(Math.abs(m - mean)).toBeLessThan((4 * 0.01 * std) / 24);
        // Not a copy of the kept channel: uncorrelated with it.
        const cov = dropped.reduce((a, v, i) => a + (v - m) * (keptValues[i]! - mean), 0) / dropped.length;
        expect(Math.abs(cov / (s * std))).toBeLessThan(0.2);
      }
    }
    tf.dispose([x, y]);
  });
});

describe('downUpSample', () => {
  it('resamples a patch with probability 0.33 by default, the reference code’s', () => {
    expect(DOWN_UP_SAMPLE_PROBABILITY).toBe(0.33);
    const x = seededImages(5, 600, 16, 16, 1);
    const byDefault = downUpSample(x, createRng(3));
    const explicit = downUpSample(x, createRng(3), { p: 0.33 });
    expect(maxAbsDiff(byDefault, explicit)).toBe(0);
    const changed = tf.tidy(() => Array.from(tf.max(tf.abs(tf.sub(byDefault, x)), [1, 2, 3]).dataSync()).filter((d) => d > 0).length);
    // A drawn scale of 31/32 or more rounds back to 16 pixels and changes nothing: 0.33 x (1 - 1/32 / 0.9) ~ 0.32.
    expect(changed / 600).toBeGreaterThan(0.26);
    expect(changed / 600).toBeLessThan(0.38);
    tf.dispose([x, byDefault, explicit]);
  });

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
