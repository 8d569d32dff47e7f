import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertRank, assertRng, invalidArgument, type Rng } from '@selfsup/tensors';
import { cropBoxes, type CropBox } from './crop.js';
import { assertImages, standardizeEach } from './images.js';

/** Number of positions where two permutations differ. */
export function hammingDistance(a: readonly number[], b: readonly number[]): number {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
    invalidArgument('b', `an array of the same length as a (${Array.isArray(a) ? a.length : '?'})`, b);
  }
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/** Checks that `value` is a permutation of 0..n-1 (n = its length, or `size` when given). */
export function assertPermutation(name: string, value: unknown, size?: number): asserts value is readonly number[] {
  if (size !== undefined) assertInteger('size', size, 1);
  const n = size ?? (Array.isArray(value) ? value.length : 0);
  const ok =
    Array.isArray(value) &&
    value.length === n &&
    n > 0 &&
    value.every((v) => Number.isInteger(v) && v >= 0 && v < n) &&
    new Set(value).size === n;
  if (!ok) invalidArgument(name, `a permutation of 0..${n - 1}`, value);
}

/** The inverse permutation: `inv[perm[i]] = i`. */
export function invertPermutation(perm: readonly number[]): number[] {
  assertPermutation('perm', perm);
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

/**
 * Reorders the tiles of a puzzle batch [N, T, ...]: `out[:, i] = tiles[:, perm[i]]`. Applying `perm` and then
 * `invertPermutation(perm)` restores the tiles.
 */
export function applyPermutation<T extends tf.Tensor>(tiles: T, perm: readonly number[]): T {
  assertRank('tiles', tiles, [2, 3, 4, 5, 6]);
  assertPermutation('perm', perm, tiles.shape[1]);
  return tf.tidy(() => tf.gather(tiles, tf.tensor1d(perm as number[], 'int32'), 1) as T);
}

/** All permutations of 0..n-1 in lexicographic order, packed n bytes each. */
function allPermutations(n: number): Uint8Array {
  let total = 1;
  for (let k = 2; k <= n; k++) total *= k;
  const out = new Uint8Array(total * n);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let row = 0; row < total; row++) {
    out.set(a, row * n);
    // Next lexicographic permutation.
    let i = n - 2;
    while (i >= 0 && a[i]! > a[i + 1]!) i--;
    if (i < 0) break;
    let j = n - 1;
    while (a[j]! < a[i]!) j--;
    [a[i], a[j]] = [a[j]!, a[i]!];
    for (let l = i + 1, r = n - 1; l < r; l++, r--) [a[l], a[r]] = [a[r]!, a[l]!];
  }
  return out;
}

export interface JigsawPermutationOptions {
  /** Generator for the first permutation and for tie-breaking. */
  readonly rng: Rng;
  /** Tiles per puzzle, 2..9 (default 9, a 3x3 grid). */
  readonly tiles?: number;
}

/**
 * The permutation set of Noroozi & Favaro (2016, "Unsupervised Learning of Visual Representations by Solving Jigsaw
 * Puzzles", Algorithm 1, maximal Hamming distance): start from a random permutation, then repeatedly add the
 * permutation whose mean Hamming distance to those already chosen is largest (ties broken at random), over all
 * `tiles!` permutations. Seeded by `options.rng`. `count` from 2 to min(1000, tiles!).
 */
export function jigsawPermutations(count: number, options: JigsawPermutationOptions): number[][] {
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object with an rng', options);
  assertRng('options.rng', options.rng);
  const tiles = options.tiles ?? 9;
  assertInteger('options.tiles', tiles, 2, 9);
  let total = 1;
  for (let k = 2; k <= tiles; k++) total *= k;
  assertInteger('count', count, 2, Math.min(1000, total));
  const rng = options.rng;
  const table = allPermutations(tiles);
  // byCell[(pos * tiles + value)] lists the permutations with `value` at `pos` (CSR layout), so that the matches of
  // every permutation with a newly chosen one cost tiles * (tiles-1)! increments instead of tiles * tiles! compares.
  const perCell = total / tiles;
  const byCell = new Int32Array(tiles * total);
  const fill = new Int32Array(tiles * tiles);
  for (let p = 0; p < total; p++) {
    for (let pos = 0; pos < tiles; pos++) {
      const cell = pos * tiles + table[p * tiles + pos]!;
      byCell[cell * perCell + fill[cell]!] = p;
      fill[cell]!++;
    }
  }
  // matchSum[p] = sum over chosen c of the positions where p and c agree; the mean Hamming distance to the chosen set
  // is tiles - matchSum / |chosen|, so the farthest permutation is the one with the fewest matches.
  const matchSum = new Int32Array(total);
  const taken = 0x40000000;
  const chosen: number[] = [];
  let next = rng.int(0, total);
  for (;;) {
    chosen.push(next);
    if (chosen.length === count) break;
    for (let pos = 0; pos < tiles; pos++) {
      const cell = pos * tiles + table[next * tiles + pos]!;
      for (let k = cell * perCell, end = k + perCell; k < end; k++) matchSum[byCell[k]!]!++;
    }
    matchSum[next] = taken;
    // Scan from a random start so that ties go to a random member of the tied set.
    const start = rng.int(0, total);
    let best = -1;
    let bestValue = taken;
    for (let p = start; p < total; p++) {
      if (matchSum[p]! < bestValue) {
        bestValue = matchSum[p]!;
        best = p;
      }
    }
    for (let p = 0; p < start; p++) {
      if (matchSum[p]! < bestValue) {
        bestValue = matchSum[p]!;
        best = p;
      }
    }
    next = best;
  }
  return chosen.map((p) => Array.from(table.subarray(p * tiles, (p + 1) * tiles)));
}

/**
 * The room a jigsaw tile leaves in its cell, against edge continuity: Noroozi & Favaro crop 64-pixel tiles at random
 * from 75-pixel cells, leaving 11/75 of the cell side free; at 28 pixels (9-pixel cells) that is 1.3 pixels, so at
 * least 2 pixels are left (7-pixel tiles).
 */
export const JIGSAW_TILE_SLACK = { tileSlack: 11 / 75, minTileSlack: 2 } as const;

export interface JigsawPuzzleOptions {
  /** Tile side in pixels. Default: the cell side less its slack (`tileSlack`, `minTileSlack`). */
  readonly tileSize?: number;
  /**
   * Share of the cell side a default-sized tile leaves free (the room of its random crop). Default 11/75, Noroozi &
   * Favaro's 64-pixel tiles in 75-pixel cells. Ignored when `tileSize` is given.
   */
  readonly tileSlack?: number;
  /** Least free pixels a default-sized tile leaves in its cell. Default 2. Ignored when `tileSize` is given. */
  readonly minTileSlack?: number;
  /** Normalise each tile to zero mean and unit standard deviation (default true), against low-level shortcuts. */
  readonly normalize?: boolean;
}

/** The checked slack options, defaults filled in. */
function tileSlackOptions(options: JigsawPuzzleOptions): { tileSlack: number; minTileSlack: number } {
  const tileSlack = options.tileSlack ?? JIGSAW_TILE_SLACK.tileSlack;
  const minTileSlack = options.minTileSlack ?? JIGSAW_TILE_SLACK.minTileSlack;
  if (typeof tileSlack !== 'number' || !(tileSlack >= 0 && tileSlack < 1)) invalidArgument('options.tileSlack', 'a number in [0, 1)', tileSlack);
  assertInteger('options.minTileSlack', minTileSlack, 0);
  return { tileSlack, minTileSlack };
}

/** A jigsaw batch. */
export interface JigsawPuzzle {
  /** [N, T, t, t, C]: `tiles[n, i]` is cell `permutations[labels[n]][i]` of image n (cells row by row). */
  readonly tiles: tf.Tensor5D;
  /** [N] int32: the index of each image's permutation in `permutations`. */
  readonly labels: tf.Tensor1D;
}

/**
 * Jigsaw puzzles (Noroozi & Favaro 2016): each image is split into a grid of cells (3x3 for 9-tile permutations,
 * 2x2 for 4), a tile smaller than its cell is cropped from each cell at a random offset of its own (so edges do not
 * line up: {@link JIGSAW_TILE_SLACK}, 64-pixel tiles in 75-pixel cells as the paper, at least 2 pixels of room), the
 * tiles are shuffled by a permutation drawn uniformly from `permutations`, and (by default) each tile is normalised on
 * its own. Crops are exact pixel copies (one `cropAndResize`, nearest, on integer boxes).
 */
export function jigsawPuzzle(
  images: tf.Tensor4D,
  permutations: readonly (readonly number[])[],
  rng: Rng,
  options: JigsawPuzzleOptions = {},
): JigsawPuzzle {
  assertImages('images', images);
  assertRng('rng', rng);
  assertOptions('options', options);
  if (!Array.isArray(permutations) || permutations.length === 0) {
    invalidArgument('permutations', 'a non-empty array of permutations (see jigsawPermutations)', permutations);
  }
  const t = permutations[0]!.length;
  permutations.forEach((perm, i) => assertPermutation(`permutations[${i}]`, perm, t));
  const grid = Math.round(Math.sqrt(t));
  if (grid * grid !== t || grid < 2) invalidArgument('permutations', 'permutations of a square number of tiles (4 or 9)', permutations[0]);
  const [n, h, w, c] = images.shape;
  const cellH = Math.floor(h / grid);
  const cellW = Math.floor(w / grid);
  if (cellH < 1 || cellW < 1) invalidArgument('images', `images of at least ${grid}x${grid} pixels`, images);
  const cellSide = Math.min(cellH, cellW);
  const { tileSlack, minTileSlack } = tileSlackOptions(options);
  let tileSize: number;
  if (options.tileSize !== undefined) {
    tileSize = options.tileSize;
    assertInteger('options.tileSize', tileSize, 1, cellSide);
  } else {
    // The cell less max(minTileSlack, round(tileSlack x cell)): 64 of 75 pixels, 7 of 9 (28-pixel images).
    tileSize = cellSide - Math.max(minTileSlack, Math.round(tileSlack * cellSide));
    if (tileSize < 1) {
      invalidArgument('images', `images whose ${grid}x${grid} cells are wider than the tile slack (${minTileSlack} pixels at least), or an explicit options.tileSize`, images);
    }
  }
  const normalize = options.normalize ?? true;
  if (typeof normalize !== 'boolean') invalidArgument('options.normalize', 'a boolean', normalize);
  if (n === 0) return { tiles: tf.zeros([0, t, tileSize, tileSize, c]), labels: tf.tensor1d([], 'int32') };
  const labels = new Int32Array(n);
  const boxes: CropBox[] = [];
  const indices: number[] = [];
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(0, permutations.length);
    const cells: CropBox[] = [];
    for (let cell = 0; cell < t; cell++) {
      const r = Math.floor(cell / grid);
      const col = cell % grid;
      cells.push({
        top: r * cellH + rng.int(0, cellH - tileSize + 1),
        left: col * cellW + rng.int(0, cellW - tileSize + 1),
        height: tileSize,
        width: tileSize,
      });
    }
    for (const cell of permutations[labels[i]!]!) {
      boxes.push(cells[cell]!);
      indices.push(i);
    }
  }
  return tf.tidy(() => {
    let flat = cropBoxes(images, boxes, [tileSize, tileSize], { indices, method: 'nearest' });
    if (normalize) flat = standardizeEach(flat);
    return {
      tiles: tf.reshape(flat, [n, t, tileSize, tileSize, c]) as tf.Tensor5D,
      labels: tf.tensor1d(labels, 'int32'),
    };
  });
}
