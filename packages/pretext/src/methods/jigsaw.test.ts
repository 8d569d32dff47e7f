import * as tf from '@tensorflow/tfjs-core';
import { applyPermutation, hammingDistance, invertPermutation } from '@selfsup/augment';
import { convNet } from '@selfsup/encoders';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { smoothImages } from '../../test/helpers.js';
import { expectEncoderContract, expectTrains } from '../../test/method-checks.js';
import { jigsaw } from './jigsaw.js';

const tinyEncoder = () => convNet({ inputShape: [-1, -1, 1], channels: [8, 16], seed: 4 });

/** Whether `tile` [t, t, C] equals some t x t crop of `image` [H, W, C] with its top-left corner in the given box. */
function foundIn(tile: tf.Tensor3D, image: tf.Tensor3D, top: number, left: number, cell: number): boolean {
  const t = tile.shape[0];
  for (let y = top; y + t <= top + cell; y++) {
    for (let x = left; x + t <= left + cell; x++) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(image, [y, x, 0], [t, t, -1]), tile))).dataSync()[0]!);
      if (d === 0) return true;
    }
  }
  return false;
}

describe('jigsaw', () => {
  it('undoing the permutation of a sample with its label restores the original tile order', () => {
    const method = jigsaw({ encoder: tinyEncoder(), permutations: 10, normalize: false, hiddenDims: [] });
    const images = seededImages(1, 3, 18, 18, 1);
    const puzzle = method.samples(images, createRng(4));
    // 6-pixel cells: 4-pixel tiles, 2 pixels of room (minTileSlack).
    expect(puzzle.tiles.shape).toEqual([3, 9, 4, 4, 1]);
    const labels = Array.from(puzzle.labels.dataSync());
    labels.forEach((label, i) => {
      const perm = method.permutations[label]!;
      const sample = tf.slice(puzzle.tiles, [i, 0, 0, 0, 0], [1, -1, -1, -1, -1]);
      const restored = applyPermutation(sample, invertPermutation(perm));
      const image = tf.tidy(() => tf.squeeze(tf.slice(images, [i, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D);
      for (let cell = 0; cell < 9; cell++) {
        const tile = tf.tidy(() => tf.reshape(tf.slice(restored, [0, cell, 0, 0, 0], [1, 1, -1, -1, -1]), [4, 4, 1]) as tf.Tensor3D);
        // Tile `cell` now comes from cell `cell` of the 3x3 grid (cells of 6 pixels).
        expect(foundIn(tile, image, Math.floor(cell / 3) * 6, (cell % 3) * 6, 6)).toBe(true);
        tile.dispose();
      }
      // And the shuffled order is not the original one (unless the permutation is the identity).
      if (perm.some((p, k) => p !== k)) {
        const shuffledFirst = tf.tidy(() => tf.reshape(tf.slice(sample, [0, 0, 0, 0, 0], [1, 1, -1, -1, -1]), [4, 4, 1]) as tf.Tensor3D);
        const cell = perm[0]!;
        expect(foundIn(shuffledFirst, image, Math.floor(cell / 3) * 6, (cell % 3) * 6, 6)).toBe(true);
        shuffledFirst.dispose();
      }
      tf.dispose([sample, restored, image]);
    });
    tf.dispose([images, puzzle.tiles, puzzle.labels]);
    method.dispose();
  });

  it('draws 100 permutations by default, 1000 on request, far apart in Hamming distance', () => {
    const small = jigsaw({ encoder: tinyEncoder(), hiddenDims: [] });
    expect(small.permutations).toHaveLength(100);
    expect(small.head.outputDim).toBe(100);
    const large = jigsaw({ encoder: tinyEncoder(), permutations: 1000, hiddenDims: [] });
    expect(large.permutations).toHaveLength(1000);
    expect(new Set(large.permutations.map((p) => p.join(','))).size).toBe(1000);
    let minimum = 9;
    for (let i = 1; i < 100; i++) minimum = Math.min(minimum, hammingDistance(small.permutations[0]!, small.permutations[i]!));
    expect(minimum).toBeGreaterThanOrEqual(2);
    // Same seed, same set.
    const again = jigsaw({ encoder: tinyEncoder(), hiddenDims: [] });
    expect(again.permutations).toEqual(small.permutations);
    const images = smoothImages(2, 2, 18, 18, 1);
    const loss = tf.tidy(() => large.loss({ images, indices: [0, 1] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(3) }).dataSync()[0]!);
    // Near log(1000) at initialisation.
    expect(loss).toBeGreaterThan(4);
    expect(Number.isFinite(loss)).toBe(true);
    for (const m of [small, large, again]) m.dispose();
    images.dispose();
  });

  it('trains (falling loss, no NaN); the exposed encoder standardises whole images like the tiles', async () => {
    const method = jigsaw({ encoder: tinyEncoder(), permutations: 8, hiddenDims: [32] });
    const images = smoothImages(3, 8, 18, 18, 1);
    await expectTrains(method, images, { steps: 10 });
    expectEncoderContract(method.encoder, images, method);
    const standardized = tf.tidy(() => {
      const { mean, variance } = tf.moments(images, [1, 2, 3], true);
      return tf.div(tf.sub(images, mean), tf.sqrt(tf.add(variance, 1e-6))) as tf.Tensor4D;
    });
    const a = method.encoder.apply(images);
    const b = method.tileEncoder.apply(standardized);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    tf.dispose([images, standardized, a, b]);
    method.dispose();
  });

  it('cuts 7-pixel tiles from the 9-pixel cells of 28x28 images by default; tileSlack and minTileSlack change that', () => {
    const images = smoothImages(4, 2, 28, 28, 1);
    const tileSide = (options: { tileSlack?: number; minTileSlack?: number; tileSize?: number }) => {
      const method = jigsaw({ encoder: tinyEncoder(), permutations: 4, hiddenDims: [], ...options });
      const puzzle = method.samples(images, createRng(0));
      const side = puzzle.tiles.shape[2];
      tf.dispose([puzzle.tiles, puzzle.labels]);
      method.dispose();
      return side;
    };
    expect(tileSide({})).toBe(7);
    expect(tileSide({ minTileSlack: 0 })).toBe(8);
    expect(tileSide({ minTileSlack: 4 })).toBe(5);
    expect(tileSide({ tileSize: 9 })).toBe(9);
    const method = jigsaw({ encoder: tinyEncoder(), permutations: 4, hiddenDims: [], minTileSlack: 3 });
    expect(method.config['minTileSlack']).toBe(3);
    method.dispose();
    images.dispose();
  });

  it('accepts an explicit permutation set and validates', () => {
    const encoder = tinyEncoder();
    const method = jigsaw({ encoder, permutations: [[0, 1, 2, 3], [3, 2, 1, 0]], hiddenDims: [] });
    expect(method.config['tiles']).toBe(4);
    expectInvalid(() => jigsaw({ encoder, permutations: [[0, 1, 1, 3], [3, 2, 1, 0]] }), 'options.permutations[0]');
    expectInvalid(() => jigsaw({ encoder, permutations: 1001 }), 'options.permutations');
    expectInvalid(() => jigsaw({ encoder, tileSlack: 1 }), 'options.tileSlack');
    expectInvalid(() => jigsaw({ encoder, minTileSlack: -2 }), 'options.minTileSlack');
    method.dispose();
  });
});
