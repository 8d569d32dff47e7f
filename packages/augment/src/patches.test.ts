import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { RELATIVE_LOCATION_CELLS, patchGrid, patchLayout, relativeLocationPairs } from './patches.js';

/** The [P, P, C] slice of image n at (top, left), from plain arrays. */
function slicePatch(x: tf.Tensor4D, n: number, top: number, left: number, p: number): tf.Tensor {
  return tf.slice(x, [n, top, left, 0], [1, p, p, x.shape[3]]);
}

describe('patchLayout', () => {
  it('scales Doersch et al.’s 96/48/7 to the image and checks the fit', () => {
    expect(patchLayout(398, 398)).toEqual({ patchSize: 96, gap: 48, jitter: 7 });
    expect(patchLayout(64, 80)).toEqual({ patchSize: 15, gap: 7, jitter: 1 });
    expect(patchLayout(32, 32, { patchSize: 8, gap: 2, jitter: 1 })).toEqual({ patchSize: 8, gap: 2, jitter: 1 });
    expectInvalid(() => patchLayout(32, 32, { patchSize: 10, gap: 2, jitter: 1 }), 'fit in 32x32');
  });
});

describe('patchGrid', () => {
  it('cuts exact pixel copies at jittered grid positions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(1, 3), (seed, c) => {
        const x = seededImages(seed, 2, 40, 44, c);
        const { patches, positions, layout } = patchGrid(x, createRng(seed), { patchSize: 8, gap: 4, jitter: 2 });
        expect(patches.shape).toEqual([2, 9, 8, 8, c]);
        for (let n = 0; n < 2; n++) {
          const [oy, ox] = positions[n]![0]!;
          for (let k = 0; k < 9; k++) {
            const [top, left] = positions[n]![k]!;
            // Within the image, and within jitter of the regular grid cell.
            expect(top).toBeGreaterThanOrEqual(0);
            expect(left).toBeGreaterThanOrEqual(0);
            expect(top + 8).toBeLessThanOrEqual(40);
            expect(left + 8).toBeLessThanOrEqual(44);
            const r = Math.floor(k / 3);
            const col = k % 3;
            expect(Math.abs(top - oy - r * (layout.patchSize + layout.gap))).toBeLessThanOrEqual(2 * layout.jitter);
            expect(Math.abs(left - ox - col * (layout.patchSize + layout.gap))).toBeLessThanOrEqual(2 * layout.jitter);
            const got = tf.slice(patches, [n, k, 0, 0, 0], [1, 1, 8, 8, c]);
            const expected = slicePatch(x, n, top, left, 8);
            expect(maxAbsDiff(tf.reshape(got, expected.shape), expected)).toBe(0);
            tf.dispose([got, expected]);
          }
        }
        tf.dispose([x, patches]);
      }),
      { numRuns: 8 },
    );
  });

  it('applies the shortcut removals on request, leaks nothing and validates', () => {
    const x = seededImages(1, 3, 40, 40);
    const plain = patchGrid(x, createRng(0), { patchSize: 8, gap: 4, jitter: 2 });
    const dropped = patchGrid(x, createRng(0), { patchSize: 8, gap: 4, jitter: 2, colorDrop: true, downUpSample: { p: 1 } });
    expect(dropped.positions).toEqual(plain.positions);
    expect(maxAbsDiff(dropped.patches, plain.patches)).toBeGreaterThan(0);
    tf.dispose([plain.patches, dropped.patches]);
    expectNoLeak(() => patchGrid(x, createRng(1), { colorDrop: true, downUpSample: true }).patches);
    expectInvalid(() => patchGrid(x, createRng(0), { colorDrop: 'yes' as unknown as boolean }), 'options.colorDrop');
    x.dispose();
  });
});

describe('relativeLocationPairs', () => {
  it('pairs the centre patch with a neighbour in the 0 1 2 / 3 . 4 / 5 6 7 layout', () => {
    const x = seededImages(2, 64, 30, 30);
    const { first, second, labels, positions, layout } = relativeLocationPairs(x, createRng(4), { patchSize: 6, gap: 3, jitter: 1 });
    expect(first.shape).toEqual([64, 6, 6, 3]);
    expect(second.shape).toEqual([64, 6, 6, 3]);
    expect(labels.dtype).toBe('int32');
    const ls = Array.from(labels.dataSync());
    expect(new Set(ls)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    const step = layout.patchSize + layout.gap;
    ls.forEach((label, n) => {
      const cell = RELATIVE_LOCATION_CELLS[label]!;
      const [[t1, l1], [t2, l2]] = positions[n]!;
      const dy = Math.round((t2 - t1) / step);
      const dx = Math.round((l2 - l1) / step);
      expect([dy + 1, dx + 1]).toEqual([Math.floor(cell / 3), cell % 3]);
      expect(Math.abs(t2 - t1 - dy * step)).toBeLessThanOrEqual(2 * layout.jitter);
    });
    // Pixel content.
    for (const n of [0, 17, 63]) {
      const [[t1, l1], [t2, l2]] = positions[n]!;
      const a = tf.slice(first, [n, 0, 0, 0], [1, -1, -1, -1]);
      const b = tf.slice(second, [n, 0, 0, 0], [1, -1, -1, -1]);
      const ea = slicePatch(x, n, t1, l1, 6);
      const eb = slicePatch(x, n, t2, l2, 6);
      expect(maxAbsDiff(a, ea)).toBe(0);
      expect(maxAbsDiff(b, eb)).toBe(0);
      tf.dispose([a, b, ea, eb]);
    }
    tf.dispose([x, first, second, labels]);
  });

  it('is deterministic in the seed and leaks nothing', () => {
    const x = seededImages(3, 4, 32, 32);
    const a = relativeLocationPairs(x, createRng(1), { colorDrop: true });
    const b = relativeLocationPairs(x, createRng(1), { colorDrop: true });
    expect(maxAbsDiff(a.second, b.second)).toBe(0);
    expect(Array.from(a.labels.dataSync())).toEqual(Array.from(b.labels.dataSync()));
    tf.dispose([a.first, a.second, a.labels, b.first, b.second, b.labels]);
    expectNoLeak(() => {
      const r = relativeLocationPairs(x, createRng(2), { downUpSample: true });
      return [r.first, r.second, r.labels];
    });
    x.dispose();
  });
});
