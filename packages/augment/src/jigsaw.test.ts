import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { JIGSAW_TILE_SLACK, applyPermutation, hammingDistance, invertPermutation, jigsawPermutations, jigsawPuzzle } from './jigsaw.js';

function pairwise(perms: number[][]): { min: number; mean: number } {
  let min = Number.POSITIVE_INFINITY;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < perms.length; i++)
    for (let j = i + 1; j < perms.length; j++) {
      const d = hammingDistance(perms[i]!, perms[j]!);
      min = Math.min(min, d);
      sum += d;
      count++;
    }
  return { min, mean: sum / count };
}

describe('jigsawPermutations', () => {
  it('gives distinct permutations with minimum pairwise Hamming distance >= 2', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(4, 5, 9), (count, seed, tiles) => {
        const n = Math.min(count, tiles === 4 ? 24 : 120);
        const perms = jigsawPermutations(n, { rng: createRng(seed), tiles });
        expect(perms).toHaveLength(n);
        for (const p of perms) expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: tiles }, (_, i) => i));
        expect(new Set(perms.map((p) => p.join(','))).size).toBe(n);
        expect(pairwise(perms).min).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: 12 },
    );
  });

  it('for 100 permutations of 9 tiles the mean pairwise distance is about 8 (Noroozi & Favaro: 8.00)', () => {
    const perms = jigsawPermutations(100, { rng: createRng(0) });
    const { mean } = pairwise(perms);
    expect(mean).toBeGreaterThan(7.9);
    expect(mean).toBeLessThan(8.3);
    // Two random permutations agree in one position on average (distance 8); the greedy choice does better.
    const random = Array.from({ length: 100 }, (_, i) => createRng(i).permutation(9));
    expect(mean).toBeGreaterThan(pairwise(random).mean);
  });

  it('is seeded: same seed same set, different seeds different sets; all 24 of 4 tiles', () => {
    const a = jigsawPermutations(30, { rng: createRng(5) });
    const b = jigsawPermutations(30, { rng: createRng(5) });
    const c = jigsawPermutations(30, { rng: createRng(6) });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(jigsawPermutations(24, { rng: createRng(1), tiles: 4 }).map((p) => p.join())).size).toBe(24);
  });

  it('validates count and tiles', () => {
    const rng = createRng(0);
    expectInvalid(() => jigsawPermutations(1, { rng }), 'count');
    expectInvalid(() => jigsawPermutations(1001, { rng }), 'count');
    expectInvalid(() => jigsawPermutations(25, { rng, tiles: 4 }), 'count');
    expectInvalid(() => jigsawPermutations(10, { rng, tiles: 10 }), 'options.tiles');
    expectInvalid(() => jigsawPermutations(10, {} as never), 'options.rng');
  });
});

describe('applyPermutation / invertPermutation', () => {
  it('applying a permutation and its inverse restores the tiles', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 9 }), (seed, t) => {
        const rng = createRng(seed);
        const tiles = tf.tensor(rng.uniformArray(2 * t * 2 * 2 * 3), [2, t, 2, 2, 3]);
        const perm = rng.permutation(t);
        const shuffled = applyPermutation(tiles, perm);
        const restored = applyPermutation(shuffled, invertPermutation(perm));
        expect(maxAbsDiff(restored, tiles)).toBe(0);
        // out[:, i] = tiles[:, perm[i]]
        const first = tf.slice(shuffled, [0, 0, 0, 0, 0], [2, 1, 2, 2, 3]);
        const source = tf.slice(tiles, [0, perm[0]!, 0, 0, 0], [2, 1, 2, 2, 3]);
        expect(maxAbsDiff(first, source)).toBe(0);
        tf.dispose([tiles, shuffled, restored, first, source]);
      }),
      { numRuns: 20 },
    );
    expect(hammingDistance([0, 1, 2], [0, 2, 1])).toBe(2);
    expectInvalid(() => invertPermutation([0, 0, 1]), 'perm');
  });
});

describe('jigsawPuzzle', () => {
  it('tile i of image n comes from cell permutations[label][i]', () => {
    // Each of the 9 cells of a 30x30 image holds its own constant: cell id + 10 * image index.
    const n = 4;
    const values = new Float32Array(n * 30 * 30);
    for (let b = 0; b < n; b++)
      for (let y = 0; y < 30; y++) for (let x = 0; x < 30; x++) values[(b * 30 + y) * 30 + x] = (Math.floor(y / 10) * 3 + Math.floor(x / 10) + 10 * b) / 100;
    const images = tf.tensor4d(values, [n, 30, 30, 1]);
    const perms = jigsawPermutations(10, { rng: createRng(1) });
    const { tiles, labels } = jigsawPuzzle(images, perms, createRng(2), { normalize: false });
    expect(tiles.shape).toEqual([n, 9, 8, 8, 1]);
    expect(labels.dtype).toBe('int32');
    const ls = Array.from(labels.dataSync());
    const ts = tiles.arraySync() as number[][][][][];
    ls.forEach((label, b) => {
      expect(label).toBeGreaterThanOrEqual(0);
      expect(label).toBeLessThan(10);
      for (let i = 0; i < 9; i++) {
        const expected = (perms[label]![i]! + 10 * b) / 100;
        for (const v of ts[b]![i]!.flat(2)) expect(v).toBeCloseTo(expected, 6);
      }
    });
    tf.dispose([images, tiles, labels]);
  });

  it('normalises each tile to zero mean and unit deviation by default', () => {
    const x = seededImages(3, 2, 33, 36);
    const { tiles, labels } = jigsawPuzzle(x, jigsawPermutations(5, { rng: createRng(0) }), createRng(1));
    expect(tiles.shape).toEqual([2, 9, 9, 9, 3]);
    const { mean, variance } = tf.moments(tf.reshape(tiles, [18, -1]), 1);
    Array.from(mean.dataSync()).forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-5));
    Array.from(variance.dataSync()).forEach((v) => expect(v).toBeCloseTo(1, 3));
    tf.dispose([tiles, labels, mean, variance]);
    expectNoLeak(() => {
      const r = jigsawPuzzle(x, [[0, 1, 2, 3]], createRng(0), { tileSize: 10 });
      return [r.tiles, r.labels];
    });
    expectInvalid(() => jigsawPuzzle(x, [[0, 1, 2]], createRng(0)), 'square number');
    expectInvalid(() => jigsawPuzzle(x, [[0, 1, 2, 3, 4, 5, 6, 7, 8], [0, 1]], createRng(0)), 'permutations[1]');
    expectInvalid(() => jigsawPuzzle(x, [[0, 1, 2, 3]], createRng(0), { tileSize: 40 }), 'options.tileSize');
    x.dispose();
  });

  it('documents the slack defaults: 64-pixel tiles in 75-pixel cells, at least 2 pixels of room', () => {
    expect(JIGSAW_TILE_SLACK).toEqual({ tileSlack: 11 / 75, minTileSlack: 2 });
    const perms = [[0, 1, 2, 3, 4, 5, 6, 7, 8]];
    const side = (h: number, options = {}) =>
      tf.tidy(() => jigsawPuzzle(tf.zeros([1, h, h, 1]) as tf.Tensor4D, perms, createRng(0), options).tiles.shape[2]);
    expect(side(225)).toBe(64); // Noroozi & Favaro: 225-pixel crops, 75-pixel cells
    expect(side(28)).toBe(7); // 9-pixel cells: 1.3 pixels of slack would round to 1
    expect(side(32)).toBe(8);
    expect(side(28, { minTileSlack: 0 })).toBe(8);
    expect(side(28, { tileSlack: 0.5 })).toBe(4);
    expect(side(28, { tileSize: 9 })).toBe(9); // explicit: no slack at all
    expect(side(9, { minTileSlack: 0 })).toBe(3);
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    expectInvalid(() => jigsawPuzzle(x, perms, createRng(0)), 'images');
    expectInvalid(() => jigsawPuzzle(x, perms, createRng(0), { tileSlack: 1 }), 'options.tileSlack');
    expectInvalid(() => jigsawPuzzle(x, perms, createRng(0), { minTileSlack: -1 }), 'options.minTileSlack');
    expectInvalid(() => jigsawPuzzle(x, perms, createRng(0), { tileSize: 2, minTileSlack: 0.5 }), 'options.minTileSlack');
    x.dispose();
  });

  it('at 28x28 each tile is a random crop of its cell, at offsets that differ across tiles and images', () => {
    // Pixel value = its index, so a tile's top-left value gives where it was cut.
    const n = 8;
    const index = Float32Array.from({ length: n * 28 * 28 }, (_, i) => i % (28 * 28));
    const images = tf.tensor4d(index, [n, 28, 28, 1]);
    const perms = jigsawPermutations(4, { rng: createRng(0) });
    const { tiles, labels } = jigsawPuzzle(images, perms, createRng(5), { normalize: false });
    expect(tiles.shape).toEqual([n, 9, 7, 7, 1]);
    const corners = tf.tidy(() => tf.reshape(tf.slice(tiles, [0, 0, 0, 0, 0], [n, 9, 1, 1, 1]), [n, 9]).arraySync() as number[][]);
    const ls = Array.from(labels.dataSync());
    const offsets = new Set<string>();
    const perImage = new Set<string>();
    corners.forEach((row, b) => {
      const pattern: string[] = [];
      row.forEach((value, i) => {
        const cell = perms[ls[b]!]![i]!;
        const [top, left] = [Math.floor(value / 28), value % 28];
        const [dy, dx] = [top - Math.floor(cell / 3) * 9, left - (cell % 3) * 9];
        // Inside its own 9-pixel cell, with 2 pixels of room.
        expect(dy).toBeGreaterThanOrEqual(0);
        expect(dy).toBeLessThanOrEqual(2);
        expect(dx).toBeGreaterThanOrEqual(0);
        expect(dx).toBeLessThanOrEqual(2);
        offsets.add(`${dy},${dx}`);
        pattern[cell] = `${dy},${dx}`;
      });
      perImage.add(pattern.join(' '));
    });
    expect(offsets.size).toBeGreaterThan(5);
    expect(perImage.size).toBe(n);
    tf.dispose([images, tiles, labels]);
  });

  it('for any image from 9 pixels: every tile leaves at least 2 pixels (and 11/75) of its cell free; same seed same puzzle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 9, max: 80 }), fc.integer({ min: 9, max: 80 }), fc.integer({ min: 0, max: 1e6 }), (h, w, seed) => {
        const x = seededImages(seed, 2, h, w, 1);
        const perms = jigsawPermutations(3, { rng: createRng(seed) });
        const a = jigsawPuzzle(x, perms, createRng(seed));
        const b = jigsawPuzzle(x, perms, createRng(seed));
        const cell = Math.min(Math.floor(h / 3), Math.floor(w / 3));
        const t = a.tiles.shape[2];
        expect(cell - t).toBeGreaterThanOrEqual(2);
        expect(cell - t).toBeGreaterThanOrEqual(Math.round((11 / 75) * cell));
        expect(maxAbsDiff(a.tiles, b.tiles)).toBe(0);
        expect(Array.from(a.labels.dataSync())).toEqual(Array.from(b.labels.dataSync()));
        tf.dispose([x, a.tiles, a.labels, b.tiles, b.labels]);
      }),
      { numRuns: 12 },
    );
  });
});
