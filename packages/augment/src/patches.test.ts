import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { PATCH_LAYOUT_GUARDS, RELATIVE_LOCATION_CELLS, patchGrid, patchLayout, relativeLocationPairs } from './patches.js';

/** The [P, P, C] slice of image n at (top, left), from plain arrays. */
function slicePatch(x: tf.Tensor4D, n: number, top: number, left: number, p: number): tf.Tensor {
  return tf.slice(x, [n, top, left, 0], [1, p, p, x.shape[3]]);
}

/** A plain reference: every [P, P, C] patch of `patches` ([M, P, P, C] values) minus its mean, over its deviation. */
function standardizedReference(patches: number[][][][]): number[][][][] {
  return patches.map((patch) => {
    const values = patch.flat(2);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    return patch.map((row) => row.map((px) => px.map((v) => (v - mean) / Math.sqrt(variance + 1e-6))));
  });
}

describe('patchLayout', () => {
  it('scales Doersch et al.’s 96/48/7 to the image and checks the fit', () => {
    expect(patchLayout(398, 398)).toEqual({ patchSize: 96, gap: 48, jitter: 7 });
    expect(patchLayout(64, 80)).toEqual({ patchSize: 15, gap: 7, jitter: 1 });
    expect(patchLayout(32, 32, { patchSize: 8, gap: 2, jitter: 1 })).toEqual({ patchSize: 8, gap: 2, jitter: 1 });
    expectInvalid(() => patchLayout(32, 32, { patchSize: 10, gap: 2, jitter: 1 }), 'fit in 32x32');
  });

  it('keeps the shortcut guards at 28-32 pixels: gap 3 and jitter 1 where the scaled jitter floors to 0', () => {
    expect(PATCH_LAYOUT_GUARDS).toEqual({ minGap: 3, minJitter: 1 });
    expect(patchLayout(28, 28)).toEqual({ patchSize: 6, gap: 3, jitter: 1 });
    expect(patchLayout(32, 32)).toEqual({ patchSize: 7, gap: 3, jitter: 1 });
    // Without the minimums, the plain scaling: no jitter at all.
    expect(patchLayout(28, 28, { minGap: 0, minJitter: 0 })).toEqual({ patchSize: 6, gap: 3, jitter: 0 });
    // Larger minimums take room from the patch; explicit sizes are used as given.
    expect(patchLayout(28, 28, { minGap: 4, minJitter: 2 })).toEqual({ patchSize: 5, gap: 4, jitter: 2 });
    expect(patchLayout(28, 28, { gap: 1, jitter: 0 })).toEqual({ patchSize: 6, gap: 1, jitter: 0 });
    // The smallest image the default guards fit: 3 one-pixel patches + 2 x 3 + 2 x 1.
    expect(patchLayout(11, 11)).toEqual({ patchSize: 1, gap: 3, jitter: 1 });
    expectInvalid(() => patchLayout(10, 10), 'minGap 3');
    expect(patchLayout(10, 10, { minGap: 0, minJitter: 0 })).toEqual({ patchSize: 2, gap: 1, jitter: 0 });
    expectInvalid(() => patchLayout(28, 28, { minGap: -1 }), 'options.minGap');
    expectInvalid(() => patchLayout(28, 28, { minJitter: 0.5 }), 'options.minJitter');
  });

  it('for any image from 11 pixels on: fits, keeps the guards, and jittered neighbours never touch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 11, max: 1200 }), fc.integer({ min: 11, max: 1200 }), (h, w) => {
        const { patchSize, gap, jitter } = patchLayout(h, w);
        const side = Math.min(h, w);
        expect(patchSize).toBeGreaterThanOrEqual(1);
        expect(gap).toBeGreaterThanOrEqual(3);
        expect(jitter).toBeGreaterThanOrEqual(1);
        expect(3 * patchSize + 2 * gap + 2 * jitter).toBeLessThanOrEqual(side);
        expect(gap - 2 * jitter).toBeGreaterThanOrEqual(1);
        // Never larger than the paper's proportions, and those exactly once they exceed the minimums.
        expect(patchSize).toBeLessThanOrEqual(Math.max(1, Math.floor((96 * side) / 398)));
        if (side >= 114) expect([gap, jitter]).toEqual([Math.floor((48 * side) / 398), Math.floor((7 * side) / 398)]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('patchGrid', () => {
  it('cuts exact pixel copies at jittered grid positions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(1, 3), (seed, c) => {
        const x = seededImages(seed, 2, 40, 44, c);
        const { patches, positions, layout } = patchGrid(x, createRng(seed), { patchSize: 8, gap: 4, jitter: 2, normalize: false });
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
    expect(plain.layout).toEqual({ patchSize: 8, gap: 4, jitter: 2 });
    const dropped = patchGrid(x, createRng(0), { patchSize: 8, gap: 4, jitter: 2, colorDrop: true, downUpSample: { p: 1 } });
    expect(dropped.positions).toEqual(plain.positions);
    expect(maxAbsDiff(dropped.patches, plain.patches)).toBeGreaterThan(0);
    tf.dispose([plain.patches, dropped.patches]);
    expectNoLeak(() => patchGrid(x, createRng(1), { colorDrop: true, downUpSample: true }).patches);
    expectInvalid(() => patchGrid(x, createRng(0), { colorDrop: 'yes' as unknown as boolean }), 'options.colorDrop');
    expectInvalid(() => patchGrid(x, createRng(0), { normalize: 1 as unknown as boolean }), 'options.normalize');
    x.dispose();
  });

  it('standardises every patch on its own by default (zero mean, unit deviation), as a plain reference does', () => {
    const x = seededImages(4, 2, 28, 28);
    const raw = patchGrid(x, createRng(3), { normalize: false });
    const normalized = patchGrid(x, createRng(3));
    expect(normalized.positions).toEqual(raw.positions);
    const [p, c] = [normalized.layout.patchSize, 3];
    const reference = standardizedReference(tf.tidy(() => tf.reshape(raw.patches, [18, p, p, c]).arraySync() as number[][][][]));
    const got = tf.tidy(() => tf.reshape(normalized.patches, [18, p, p, c]).arraySync() as number[][][][]);
    got.forEach((patch, k) => {
      const values = patch.flat(2);
      expect(Math.abs(values.reduce((a, b) => a + b, 0) / values.length)).toBeLessThan(1e-5);
      values.forEach((v, i) => expect(v).toBeCloseTo(reference[k]!.flat(2)[i]!, 4));
    });
    // A constant patch (a blank corner of a digit) becomes zeros, not NaN.
    const blank = tf.zeros([1, 28, 28, 1]) as tf.Tensor4D;
    const flat = patchGrid(blank, createRng(0));
    expect(Array.from(flat.patches.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, raw.patches, normalized.patches, blank, flat.patches]);
  });

  it('at 28x28 the jitter is on: patches leave the regular grid, differently per patch and per image', () => {
    const x = seededImages(5, 16, 28, 28, 1);
    const { positions, layout, patches } = patchGrid(x, createRng(7));
    expect(layout).toEqual({ patchSize: 6, gap: 3, jitter: 1 });
    const step = layout.patchSize + layout.gap;
    const shifts = new Set<string>();
    const origins = new Set<string>();
    for (const cells of positions) {
      // The grid origin is the mean of the 9 positions less the mean cell offset (step per row and column).
      const oy = cells.reduce((a, [top]) => a + top, 0) / 9 - step;
      const ox = cells.reduce((a, [, left]) => a + left, 0) / 9 - step;
      origins.add(`${oy},${ox}`);
      cells.forEach(([top, left], k) => {
        const dy = top - Math.floor(k / 3) * step;
        const dx = left - (k % 3) * step;
        shifts.add(`${dy - cells[0]![0]},${dx - cells[0]![1]}`);
        expect(top).toBeGreaterThanOrEqual(0);
        expect(left + layout.patchSize).toBeLessThanOrEqual(28);
      });
    }
    // Relative shifts between the patches of a grid take several values (up to +-2 jitters), and grids differ.
    expect(shifts.size).toBeGreaterThan(4);
    expect(origins.size).toBeGreaterThan(1);
    tf.dispose([x, patches]);
  });

  it('for any image size from 11 pixels: patches inside the image, same seed same grid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 11, max: 48 }), fc.integer({ min: 11, max: 48 }), fc.integer({ min: 0, max: 1e6 }), (h, w, seed) => {
        const x = seededImages(seed, 2, h, w, 1);
        const a = patchGrid(x, createRng(seed), { downUpSample: true });
        const b = patchGrid(x, createRng(seed), { downUpSample: true });
        expect(b.positions).toEqual(a.positions);
        expect(maxAbsDiff(a.patches, b.patches)).toBe(0);
        for (const cells of a.positions) {
          for (const [top, left] of cells) {
            expect(top).toBeGreaterThanOrEqual(0);
            expect(left).toBeGreaterThanOrEqual(0);
            expect(top + a.layout.patchSize).toBeLessThanOrEqual(h);
            expect(left + a.layout.patchSize).toBeLessThanOrEqual(w);
          }
        }
        tf.dispose([x, a.patches, b.patches]);
      }),
      { numRuns: 10 },
    );
  });
});

describe('relativeLocationPairs', () => {
  it('pairs the centre patch with a neighbour in the 0 1 2 / 3 . 4 / 5 6 7 layout', () => {
    const x = seededImages(2, 64, 30, 30);
    const { first, second, labels, positions, layout } = relativeLocationPairs(x, createRng(4), { patchSize: 6, gap: 3, jitter: 1, normalize: false });
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
