import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { pixel } from '../test/helpers.js';
import { flipHorizontal, flipVertical, randomHorizontalFlip, randomVerticalFlip } from './flip.js';

describe('flips', () => {
  it('flipping twice is the identity (exactly), for grey and color batches', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(1, 3),
        fc.integer({ min: 0, max: 1e6 }),
        (n, h, w, c, seed) => {
          const x = seededImages(seed, n, h, w, c);
          const twice = flipHorizontal(flipHorizontal(x));
          const twiceV = flipVertical(flipVertical(x));
          expect(maxAbsDiff(twice, x)).toBe(0);
          expect(maxAbsDiff(twiceV, x)).toBe(0);
          tf.dispose([x, twice, twiceV]);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('mirrors the width axis', () => {
    const x = seededImages(1, 2, 3, 4);
    const y = flipHorizontal(x);
    const xs = x.dataSync();
    const ys = y.dataSync();
    for (let n = 0; n < 2; n++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++)
          for (let c = 0; c < 3; c++) expect(pixel(ys, y.shape, n, i, j, c)).toBe(pixel(xs, x.shape, n, i, 3 - j, c));
    tf.dispose([x, y]);
  });

  it('random flips keep each sample or mirror it', () => {
    const x = seededImages(2, 64, 3, 3);
    const y = randomHorizontalFlip()(x, createRng(4));
    const f = flipHorizontal(x);
    const rows = tf.tidy(() => {
      const same = tf.max(tf.abs(tf.sub(y, x)), [1, 2, 3]).arraySync() as number[];
      const mirrored = tf.max(tf.abs(tf.sub(y, f)), [1, 2, 3]).arraySync() as number[];
      return same.map((s, i) => (s === 0 ? 'kept' : mirrored[i] === 0 ? 'flipped' : 'other'));
    });
    expect(rows).not.toContain('other');
    expect(rows.filter((r) => r === 'flipped').length).toBeGreaterThan(16);
    expect(rows.filter((r) => r === 'kept').length).toBeGreaterThan(16);
    const v = randomVerticalFlip({ p: 1 })(x, createRng(0));
    const fv = flipVertical(x);
    expect(maxAbsDiff(v, fv)).toBe(0);
    tf.dispose([x, y, f, v, fv]);
    expectInvalid(() => randomHorizontalFlip({ p: -0.1 }), 'options.p');
  });
});
