import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { applyPermutation, hammingDistance, invertPermutation, jigsawPermutations, jigsawPuzzle } from './jigsaw.js';

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
    expect(tiles.shape).toEqual([n, 9, 9, 9, 1]);
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
});
