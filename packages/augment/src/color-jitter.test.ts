import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { mapPixels, referenceHsvToRgb, referenceRgbToHsv } from '../test/helpers.js';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, colorJitter, yiqHueMatrix } from './color-jitter.js';

const W = [0.299, 0.587, 0.114];
const lumaOf = (px: number[]) => (px.length === 1 ? px[0]! : W[0]! * px[0]! + W[1]! * px[1]! + W[2]! * px[2]!);
const clamp = (v: number) => Math.min(1, Math.max(0, v));

/** torchvision's adjust_* on plain arrays, one image at a time. */
function reference(x: tf.Tensor4D, op: (px: number[], image: { meanLuma: number }) => number[]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const values = x.dataSync();
  const out = new Float32Array(values.length);
  const size = h * w * c;
  for (let i = 0; i < n; i++) {
    const image = values.subarray(i * size, (i + 1) * size);
    let sum = 0;
    for (let p = 0; p < h * w; p++) sum += lumaOf(Array.from(image.subarray(p * c, p * c + c)));
    const meanLuma = sum / (h * w);
    out.set(mapPixels(image, c, (px) => op(px, { meanLuma }).map(clamp)), i * size);
  }
  return tf.tensor4d(out, x.shape);
}

describe('adjustBrightness / adjustContrast / adjustSaturation / adjustHue', () => {
  it('match torchvision formulas on a loop reference', () => {
    const x = seededImages(1, 3, 4, 5);
    const f = [0.3, 1, 1.7];
    const cases: [tf.Tensor4D, (px: number[], img: { meanLuma: number }, k: number) => number[]][] = [
      [adjustBrightness(x, f), (px, _i, k) => px.map((v) => v * f[k]!)],
      [adjustContrast(x, f), (px, img, k) => px.map((v) => f[k]! * v + (1 - f[k]!) * img.meanLuma)],
      [adjustSaturation(x, f), (px, _i, k) => px.map((v) => f[k]! * v + (1 - f[k]!) * lumaOf(px))],
    ];
    for (const [actual, op] of cases) {
      const parts = [0, 1, 2].map((k) => {
        const one = tf.slice(x, [k, 0, 0, 0], [1, -1, -1, -1]);
        const r = reference(one, (px, img) => op(px, img, k));
        one.dispose();
        return r;
      });
      const expected = tf.concat(parts);
      expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-5);
      tf.dispose([actual, expected, ...parts]);
    }
    x.dispose();
  });

  it('adjustHue (HSV) matches colorsys, and a third of a turn takes red to green', () => {
    const x = seededImages(2, 2, 3, 3);
    const shifted = adjustHue(x, 0.23);
    const expected = tf.tensor4d(
      mapPixels(x.dataSync(), 3, ([r, g, b]) => {
        const [h, s, v] = referenceRgbToHsv(r!, g!, b!);
        return referenceHsvToRgb((h + 0.23) % 1, s, v);
      }),
      x.shape,
    );
    expect(maxAbsDiff(shifted, expected)).toBeLessThan(1e-5);
    const red = tf.tensor4d([1, 0, 0], [1, 1, 1, 3]);
    const green = adjustHue(red, 1 / 3);
    expect(Array.from(green.dataSync()).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([0, 1, 0]);
    tf.dispose([x, shifted, expected, red, green]);
  });

  it('YIQ hue rotation keeps luma, composes, and turns red towards yellow', () => {
    const m0 = yiqHueMatrix(0);
    m0.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 6)));
    for (const shift of [0.1, -0.3, 0.5]) {
      const m = yiqHueMatrix(shift);
      // w^T M = w^T: the luma of the output is the luma of the input.
      [0, 1, 2].forEach((j) => expect(W[0]! * m[0]![j]! + W[1]! * m[1]![j]! + W[2]! * m[2]![j]!).toBeCloseTo(W[j]!, 6));
      const twice = yiqHueMatrix(2 * shift);
      const product = [0, 1, 2].map((i) => [0, 1, 2].map((j) => [0, 1, 2].reduce((s, k) => s + m[i]![k]! * m[k]![j]!, 0)));
      product.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(twice[i]![j]!, 6)));
    }
    // adjustHue's YIQ path applies exactly this matrix (then clips).
    const colors = seededImages(9, 1, 4, 4);
    const viaMatrix = tf.tensor4d(
      mapPixels(colors.dataSync(), 3, (px) => yiqHueMatrix(0.3).map((row) => clamp(row[0]! * px[0]! + row[1]! * px[1]! + row[2]! * px[2]!))),
      colors.shape,
    );
    const viaAdjust = adjustHue(colors, 0.3, { space: 'yiq' });
    expect(maxAbsDiff(viaAdjust, viaMatrix)).toBeLessThan(1e-5);
    tf.dispose([colors, viaMatrix, viaAdjust]);
    const red = tf.tensor4d([0.8, 0.1, 0.1], [1, 1, 1, 3]);
    const [r, g, b] = Array.from(adjustHue(red, 0.05, { space: 'yiq' }).dataSync());
    expect(g).toBeGreaterThan(b!);
    expect(r).toBeGreaterThan(g!);
    red.dispose();
    const x = seededImages(3, 2, 4, 4);
    const yiq = adjustHue(x, [0.1, -0.2], { space: 'yiq' });
    const lumaBefore = tf.tidy(() => tf.sum(tf.mul(x, tf.tensor1d(W)), 3));
    const lumaAfter = tf.tidy(() => tf.sum(tf.mul(yiq, tf.tensor1d(W)), 3));
    // Clipping can move luma only where the rotation left the gamut; most pixels keep it.
    const kept = tf.tidy(() => tf.mean(tf.cast(tf.less(tf.abs(tf.sub(lumaBefore, lumaAfter)), 1e-5), 'float32')).dataSync()[0]!);
    expect(kept).toBeGreaterThan(0.5);
    tf.dispose([x, yiq, lumaBefore, lumaAfter]);
  });

  it('leave grey images alone where color makes no sense, and validate factors', () => {
    const grey = seededImages(4, 2, 3, 3, 1);
    const sat = adjustSaturation(grey, 0.2);
    const hue = adjustHue(grey, 0.3);
    expect(maxAbsDiff(sat, grey)).toBe(0);
    expect(maxAbsDiff(hue, grey)).toBe(0);
    expectInvalid(() => adjustBrightness(grey, -1), 'factor');
    expectInvalid(() => adjustBrightness(grey, [1, 2, 3]), 'factor');
    expectInvalid(() => adjustHue(grey, 0.7), 'shift');
    expectInvalid(() => adjustHue(grey, 0.1, { space: 'lab' as 'hsv' }), 'options.space');
    tf.dispose([grey, sat, hue]);
  });
});

describe('colorJitter', () => {
  it('with zero strength is the identity (exactly)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(1, 3), (seed, c) => {
        const x = seededImages(seed, 3, 4, 4, c);
        const a = colorJitter({ brightness: 0, contrast: 0, saturation: 0, hue: 0 })(x, createRng(seed));
        const b = colorJitter({ brightness: [1, 1], contrast: [1, 1], saturation: [1, 1], hue: [0, 0] })(x, createRng(seed));
        expect(maxAbsDiff(a, x)).toBe(0);
        expect(maxAbsDiff(b, x)).toBe(0);
        tf.dispose([x, a, b]);
      }),
      { numRuns: 10 },
    );
  });

  it('keeps every value in [0, 1], for grey and color batches and both hue spaces', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.constantFrom(1, 3),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.constantFrom('yiq' as const, 'hsv' as const),
        (seed, c, strength, hue, hueSpace) => {
          const x = seededImages(seed, 4, 5, 5, c);
          const y = colorJitter({ brightness: strength, contrast: strength, saturation: strength, hue, hueSpace })(x, createRng(seed));
          const [lo, hi] = tf.tidy(() => [tf.min(y).dataSync()[0]!, tf.max(y).dataSync()[0]!]);
          expect(lo).toBeGreaterThanOrEqual(0);
          expect(hi).toBeLessThanOrEqual(1);
          expect(y.shape).toEqual(x.shape);
          tf.dispose([x, y]);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('with fixed factors, equals the adjustments applied in some order per sample, and both orders occur', () => {
    const x = seededImages(5, 24, 4, 4);
    const y = colorJitter({ brightness: [1.6, 1.6], saturation: [0.2, 0.2] })(x, createRng(11));
    const bs = adjustSaturation(adjustBrightness(x, 1.6), 0.2);
    const sb = adjustBrightness(adjustSaturation(x, 0.2), 1.6);
    const [dBS, dSB] = tf.tidy(() => [
      tf.max(tf.abs(tf.sub(y, bs)), [1, 2, 3]).arraySync() as number[],
      tf.max(tf.abs(tf.sub(y, sb)), [1, 2, 3]).arraySync() as number[],
    ]);
    const order = dBS.map((d, i) => (d < 1e-5 ? 'bs' : dSB[i]! < 1e-5 ? 'sb' : 'neither'));
    expect(order).not.toContain('neither');
    expect(order).toContain('bs');
    expect(order).toContain('sb');
    tf.dispose([x, y, bs, sb]);
  });

  it('applies contrast against the current mean luma, and hue through HSV when asked', () => {
    const x = seededImages(6, 3, 4, 4);
    const c = colorJitter({ contrast: [0.5, 0.5] })(x, createRng(0));
    const expected = adjustContrast(x, 0.5);
    expect(maxAbsDiff(c, expected)).toBeLessThan(1e-5);
    const h = colorJitter({ hue: [0.2, 0.2], hueSpace: 'hsv' })(x, createRng(0));
    const hueExpected = adjustHue(x, 0.2);
    expect(maxAbsDiff(h, hueExpected)).toBeLessThan(1e-5);
    const hy = colorJitter({ hue: [0.2, 0.2] })(x, createRng(0));
    const yiqExpected = adjustHue(x, 0.2, { space: 'yiq' });
    expect(maxAbsDiff(hy, yiqExpected)).toBeLessThan(1e-5);
    tf.dispose([x, c, expected, h, hueExpected, hy, yiqExpected]);
  });

  it('uses brightness and contrast only on grey images', () => {
    const grey = seededImages(7, 3, 4, 4, 1);
    const y = colorJitter({ saturation: 0.9, hue: 0.5 })(grey, createRng(0));
    expect(maxAbsDiff(y, grey)).toBe(0);
    const z = colorJitter({ brightness: [2, 2] })(grey, createRng(0));
    const expected = adjustBrightness(grey, 2);
    expect(maxAbsDiff(z, expected)).toBeLessThan(1e-6);
    tf.dispose([grey, y, z, expected]);
  });

  it('is deterministic in the seed, leaks nothing and validates its options', () => {
    const x = seededImages(8, 4, 4, 4);
    const t = colorJitter({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 });
    const a = t(x, createRng(3));
    const b = t(x, createRng(3));
    const c = t(x, createRng(4));
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
    tf.dispose([a, b, c]);
    expectNoLeak(() => t(x, createRng(5)));
    expectNoLeak(() => colorJitter({ hue: 0.2, saturation: 0.5, hueSpace: 'hsv' })(x, createRng(5)));
    x.dispose();
    expectInvalid(() => colorJitter({ brightness: -0.1 }), 'options.brightness');
    expectInvalid(() => colorJitter({ hue: 0.6 }), 'options.hue');
    expectInvalid(() => colorJitter({ hue: [0.2, -0.2] }), 'options.hue');
    expectInvalid(() => colorJitter({ contrast: [2, 1] }), 'options.contrast');
    expectInvalid(() => colorJitter({ hueSpace: 'lab' as 'hsv' }), 'options.hueSpace');
  });
});
