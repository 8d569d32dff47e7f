import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff } from '@selfsup/test-utils';
import { D65_WHITE, RGB_FROM_XYZ, XYZ_FROM_RGB, labToRgb, rgbToLab } from './lab.js';

/** scikit-image's rgb2lab in double precision, one color at a time. */
function referenceLab([r, g, b]: number[]): number[] {
  const lin = (c: number) => (c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92);
  const rgb = [lin(r!), lin(g!), lin(b!)];
  const xyz = XYZ_FROM_RGB.map((row, i) => (row[0] * rgb[0]! + row[1] * rgb[1]! + row[2] * rgb[2]!) / D65_WHITE[i]!);
  const f = xyz.map((t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116));
  return [116 * f[1]! - 16, 500 * (f[0]! - f[1]!), 200 * (f[1]! - f[2]!)];
}

describe('rgbToLab / labToRgb', () => {
  it('matches the CIE / scikit-image definition (D65, sRGB curve)', () => {
    const rng = createRng(1);
    const colors = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1], [0, 0, 0], [0.5, 0.5, 0.5], [0.01, 0.02, 0.03], ...Array.from({ length: 200 }, () => [rng.float(), rng.float(), rng.float()])];
    const lab = rgbToLab(tf.tensor2d(colors));
    const expected = tf.tensor2d(colors.map(referenceLab));
    expect(maxAbsDiff(lab, expected)).toBeLessThan(5e-3);
    // Published values (scikit-image, Bruce Lindbloom's calculator): sRGB red is L 53.24, a 80.09, b 67.20.
    const [red, , , white] = lab.arraySync() as number[][];
    expect(red![0]).toBeCloseTo(53.24, 1);
    expect(red![1]).toBeCloseTo(80.09, 1);
    expect(red![2]).toBeCloseTo(67.2, 1);
    expect(white![0]).toBeCloseTo(100, 3);
    expect(Math.abs(white![1]!)).toBeLessThan(0.01);
    expect(Math.abs(white![2]!)).toBeLessThan(0.01);
    tf.dispose([lab, expected]);
  });

  it('round-trips any color within 1e-3 and keeps L in [0, 100]', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.float({ min: 0, max: 1, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 64 }), (colors) => {
        const x = tf.tensor2d(colors.map((c) => [...c]), [colors.length, 3]);
        const lab = rgbToLab(x);
        const back = labToRgb(lab);
        expect(maxAbsDiff(back, x)).toBeLessThan(1e-3);
        const l = lab.arraySync().map((row) => row[0]!);
        for (const v of l) {
          expect(v).toBeGreaterThanOrEqual(-1e-4);
          expect(v).toBeLessThanOrEqual(100 + 1e-3);
        }
        tf.dispose([x, lab, back]);
      }),
      { numRuns: 30 },
    );
  });

  it('works on image batches, clips out-of-gamut Lab, and leaks nothing', () => {
    const images = tf.tensor4d(createRng(2).uniformArray(2 * 4 * 5 * 3), [2, 4, 5, 3]);
    const lab = rgbToLab(images);
    expect(lab.shape).toEqual([2, 4, 5, 3]);
    const back = labToRgb(lab);
    expect(maxAbsDiff(back, images)).toBeLessThan(1e-3);
    const wild = labToRgb(tf.tensor2d([[50, 120, -120], [100, 0, 0], [0, 0, 0]]));
    for (const v of wild.dataSync()) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expectNoLeak(() => tf.tidy(() => labToRgb(rgbToLab(images))));
    tf.dispose([images, lab, back, wild]);
    // The inverse matrix really is the inverse.
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const v = [0, 1, 2].reduce((s, k) => s + XYZ_FROM_RGB[i]![k]! * RGB_FROM_XYZ[k]![j]!, 0);
        expect(v).toBeCloseTo(i === j ? 1 : 0, 10);
      }
  });

  it('rejects tensors without three channels last', () => {
    const two = tf.zeros([4, 2]);
    expectInvalid(() => rgbToLab(two), 'last dimension is 3');
    expectInvalid(() => labToRgb(two), 'lab');
    two.dispose();
  });
});
