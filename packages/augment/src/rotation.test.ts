import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { pixel } from '../test/helpers.js';
import { rotate90, rotateImages, rotationRegressionBatch, rotNetBatch } from './rotation.js';

const batch = fc.record({
  n: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 1, max: 6 }),
  w: fc.integer({ min: 1, max: 6 }),
  c: fc.constantFrom(1, 3),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

describe('rotate90', () => {
  it('four quarter turns are the identity', () => {
    fc.assert(
      fc.property(batch, ({ n, h, w, c, seed }) => {
        const x = seededImages(seed, n, h, w, c);
        let y = x;
        for (let i = 0; i < 4; i++) {
          const next = rotate90(y, 1);
          if (y !== x) y.dispose();
          y = next;
        }
        expect(maxAbsDiff(y, x)).toBe(0);
        const four = rotate90(x, 4);
        const minusOne = rotate90(x, -1);
        const three = rotate90(x, 3);
        expect(maxAbsDiff(four, x)).toBe(0);
        expect(maxAbsDiff(minusOne, three)).toBe(0);
        tf.dispose([x, y, four, minusOne, three]);
      }),
      { numRuns: 25 },
    );
  });

  it('turns counter-clockwise, as numpy.rot90', () => {
    const x = seededImages(1, 1, 3, 4);
    const y = rotate90(x, 1);
    expect(y.shape).toEqual([1, 4, 3, 3]);
    const xs = x.dataSync();
    const ys = y.dataSync();
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++) for (let c = 0; c < 3; c++) expect(pixel(ys, y.shape, 0, i, j, c)).toBe(pixel(xs, x.shape, 0, j, 3 - i, c));
    tf.dispose([x, y]);
  });

  it('takes one k per sample for square images', () => {
    const x = seededImages(2, 3, 4, 4);
    const y = rotate90(x, [0, 1, 7]);
    const parts = [0, 1, 2].map((i) => tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D);
    const expected = tf.concat([rotate90(parts[0]!, 0), rotate90(parts[1]!, 1), rotate90(parts[2]!, 3)]);
    expect(maxAbsDiff(y, expected)).toBe(0);
    const rect = seededImages(2, 2, 3, 4);
    expectInvalid(() => rotate90(rect, [1, 2]), 'square');
    expectInvalid(() => rotate90(x, [1, 2]), 'k');
    expectInvalid(() => rotate90(x, 1.5), 'k');
    tf.dispose([x, y, ...parts, expected, rect]);
  });
});

describe('rotNetBatch', () => {
  it('keeps each image’s four rotations together, labels matching the pixels', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1e6 }), (n, s, seed) => {
        const x = seededImages(seed, n, s, s);
        const { images, labels } = rotNetBatch(x);
        expect(images.shape).toEqual([4 * n, s, s, 3]);
        expect(labels.dtype).toBe('int32');
        const ls = Array.from(labels.dataSync());
        expect(ls).toEqual(Array.from({ length: 4 * n }, (_, i) => i % 4));
        for (let i = 0; i < n; i++) {
          const one = tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
          for (let k = 0; k < 4; k++) {
            const row = tf.slice(images, [4 * i + k, 0, 0, 0], [1, -1, -1, -1]);
            const expected = rotate90(one, ls[4 * i + k]!);
            expect(maxAbsDiff(row, expected)).toBe(0);
            tf.dispose([row, expected]);
          }
          one.dispose();
        }
        tf.dispose([x, images, labels]);
      }),
      { numRuns: 15 },
    );
  });

  it('rejects non-square images and leaks nothing', () => {
    const rect = seededImages(1, 2, 3, 4);
    expectInvalid(() => rotNetBatch(rect), 'square');
    const sq = seededImages(1, 2, 4, 4);
    expectNoLeak(() => {
      const { images, labels } = rotNetBatch(sq);
      return [images, labels];
    });
    tf.dispose([rect, sq]);
  });
});

describe('continuous rotations', () => {
  it('a quarter turn matches rotate90; zero is the identity', () => {
    const x = seededImages(3, 2, 5, 5);
    const quarter = rotateImages(x, Math.PI / 2, { interpolation: 'nearest' });
    const r90 = rotate90(x, 1);
    expect(maxAbsDiff(quarter, r90)).toBe(0);
    const half = rotateImages(x, [Math.PI, -Math.PI], { interpolation: 'nearest' });
    const r180 = rotate90(x, 2);
    expect(maxAbsDiff(half, r180)).toBe(0);
    const none = rotateImages(x, 0);
    expect(maxAbsDiff(none, x)).toBeLessThan(1e-6);
    tf.dispose([x, quarter, r90, half, r180, none]);
  });

  it('fills the corners unless zoomed to fit', () => {
    fc.assert(
      fc.property(fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }), fc.integer({ min: 4, max: 9 }), fc.integer({ min: 4, max: 9 }), (angle, h, w) => {
        const x = seededImages(4, 1, h, w);
        const zoomed = rotateImages(x, angle, { fill: -1, zoomToFit: true });
        const min = tf.tidy(() => tf.min(zoomed).dataSync()[0]!);
        expect(min).toBeGreaterThanOrEqual(-1e-5);
        tf.dispose([x, zoomed]);
      }),
      { numRuns: 20 },
    );
    const x = seededImages(5, 1, 8, 8);
    const filled = rotateImages(x, Math.PI / 4, { fill: -1 });
    expect(tf.tidy(() => tf.min(filled).dataSync()[0]!)).toBe(-1);
    tf.dispose([x, filled]);
  });

  it('regression batches draw angles in range, deterministically', () => {
    const x = seededImages(6, 5, 6, 6);
    const a = rotationRegressionBatch(x, createRng(1), { range: [-0.5, 0.5] });
    const b = rotationRegressionBatch(x, createRng(1), { range: [-0.5, 0.5] });
    const angles = Array.from(a.angles.dataSync());
    expect(angles.every((v) => v >= -0.5 && v <= 0.5)).toBe(true);
    expect(maxAbsDiff(a.images, b.images)).toBe(0);
    expect(Array.from(b.angles.dataSync())).toEqual(angles);
    // The images are rotated by the reported angles.
    const again = rotateImages(x, angles);
    expect(maxAbsDiff(again, a.images)).toBeLessThan(1e-5);
    tf.dispose([x, a.images, a.angles, b.images, b.angles, again]);
    const y = seededImages(7, 1, 3, 3);
    expectInvalid(() => rotateImages(y, [1, 2]), 'angles');
    expectInvalid(() => rotationRegressionBatch(y, createRng(0), { range: [1, 0] }), 'options.range');
    y.dispose();
  });
});
