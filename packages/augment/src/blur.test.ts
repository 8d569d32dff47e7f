import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { blurImages, gaussianBlur, gaussianKernel1d, simclrKernelSize } from './blur.js';

/** Direct 2-D Gaussian filtering with numpy-style 'reflect' padding, one sigma per image. */
function referenceBlur(x: tf.Tensor4D, sigmas: number[], size: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const values = x.dataSync();
  const out = new Float32Array(values.length);
  const r = (size - 1) / 2;
  const reflect = (i: number, len: number) => (i < 0 ? -i : i >= len ? 2 * (len - 1) - i : i);
  for (let b = 0; b < n; b++) {
    const k = gaussianKernel1d(size, sigmas[b]!);
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let i = -r; i <= r; i++)
            for (let j = -r; j <= r; j++) s += k[i + r]! * k[j + r]! * values[((b * h + reflect(y + i, h)) * w + reflect(xx + j, w)) * c + ch]!;
          out[((b * h + y) * w + xx) * c + ch] = s;
        }
  }
  return tf.tensor4d(out, x.shape);
}

describe('gaussian blur', () => {
  it('kernels are normalised and symmetric; SimCLR sizes are 10% of the side, odd', () => {
    const k = gaussianKernel1d(7, 1.3);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    for (let i = 0; i < 7; i++) expect(k[i]).toBeCloseTo(k[6 - i]!, 7);
    expect(simclrKernelSize(32)).toBe(3);
    expect(simclrKernelSize(224)).toBe(23);
    expect(simclrKernelSize(96)).toBe(9);
    expect(simclrKernelSize(5)).toBe(1);
    expectInvalid(() => gaussianKernel1d(4, 1), 'odd');
    expectInvalid(() => gaussianKernel1d(3, 0), 'sigma');
  });

  it('matches a direct 2-D filter with reflect padding, per-sample sigma', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.constantFrom(3, 5),
        fc.constantFrom(1, 3),
        (seed, size, c) => {
          const x = seededImages(seed, 3, 6, 7, c);
          const sigmas = Array.from(createRng(seed).uniformArray(3, 0.1, 2));
          const y = blurImages(x, sigmas, size);
          const expected = referenceBlur(x, sigmas, size);
          expect(maxAbsDiff(y, expected)).toBeLessThan(1e-5);
          tf.dispose([x, y, expected]);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('keeps constant images constant, caps the radius on tiny images and leaks nothing', () => {
    const flat = tf.fill([2, 5, 5, 3], 0.4) as tf.Tensor4D;
    const y = blurImages(flat, 1.5, 9);
    expect(maxAbsDiff(y, flat)).toBeLessThan(1e-6);
    const tiny = seededImages(1, 1, 1, 3);
    const same = blurImages(tiny, 1, 5);
    expect(maxAbsDiff(same, tiny)).toBe(0);
    tf.dispose([flat, y, tiny, same]);
    const x = seededImages(2, 4, 8, 8);
    expectNoLeak(() => gaussianBlur()(x, createRng(0)));
    x.dispose();
  });

  it('draws sigma per sample within the range, deterministically', () => {
    const x = seededImages(3, 2, 6, 6);
    const fixed = gaussianBlur({ kernelSize: 5, sigma: [0.8, 0.8] })(x, createRng(0));
    const expected = blurImages(x, 0.8, 5);
    expect(maxAbsDiff(fixed, expected)).toBeLessThan(1e-6);
    const t = gaussianBlur({ kernelSize: 5 });
    const a = t(x, createRng(1));
    const b = t(x, createRng(1));
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([x, fixed, expected, a, b]);
    expectInvalid(() => gaussianBlur({ sigma: [0, 1] }), 'options.sigma');
    expectInvalid(() => gaussianBlur({ kernelSize: 4 }), 'options.kernelSize');
  });
});
