import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertRng, invalidArgument, type Rng } from '@selfsup/tensors';
import { cropBoxes, type CropBox } from './crop.js';
import { assertImages, standardizeEach } from './images.js';
import { colorDrop, type DownUpSampleOptions, downUpSample } from './shortcuts.js';

/** Patch, gap and jitter sizes in pixels. */
export interface PatchLayout {
  readonly patchSize: number;
  readonly gap: number;
  readonly jitter: number;
}

/**
 * The least gap and jitter, in pixels, of a layout scaled from the image: Doersch et al.'s 48 and 7 pixels scaled to a
 * 28-pixel image are 3.4 and 0.5, and a jitter floored to 0 leaves every patch on a fixed grid. With these minimums,
 * jittered neighbours still stay at least 1 pixel apart (3 - 2 x 1; the paper's stay 48 - 2 x 7 = 34 apart).
 */
export const PATCH_LAYOUT_GUARDS = { minGap: 3, minJitter: 1 } as const;

export interface PatchLayoutOptions extends Partial<PatchLayout> {
  /** Least gap in pixels when the gap is scaled from the image (an explicit `gap` is used as given). Default 3. */
  readonly minGap?: number;
  /** Least jitter in pixels when the jitter is scaled from the image (an explicit `jitter` is used as given). Default 1. */
  readonly minJitter?: number;
}

export interface PatchGridOptions extends PatchLayoutOptions {
  /**
   * Replace two random color channels per patch by Gaussian noise (see `colorDrop`; grey patches are left as they
   * are). Default false.
   */
  readonly colorDrop?: boolean | { readonly noise?: number };
  /** Randomly down- and up-sample patches (see `downUpSample`; probability 0.33 unless given). Default false. */
  readonly downUpSample?: boolean | DownUpSampleOptions;
  /**
   * Standardise every patch on its own (zero mean, unit standard deviation over its pixels and channels), after the
   * other removals, so that absolute brightness and contrast do not tell patches apart. Default true, as the
   * reference code (cdoersch/deepcontext: mean subtracted, divided by the root mean square).
   */
  readonly normalize?: boolean;
}

/** Doersch et al. (2015) on ~400-pixel images: 96-pixel patches, 48-pixel gaps, up to 7 pixels of jitter. */
const DOERSCH = { patch: 96, gap: 48, jitter: 7 };

/**
 * The patch layout for an image: explicit sizes, or Doersch et al.'s (patch 96, gap 48, jitter 7 pixels) scaled so
 * that a jittered 3x3 grid (3 patches + 2 gaps + 2 jitters = 398 units) spans the shorter side, with the gap and the
 * jitter at least `minGap` (3) and `minJitter` (1) pixels ({@link PATCH_LAYOUT_GUARDS}); the patch then takes what
 * is left, up to the scaled 96. At 28 pixels: patch 6, gap 3, jitter 1. Scaled defaults need images of at least
 * 3 + 2 minGap + 2 minJitter pixels (11 by default).
 */
export function patchLayout(height: number, width: number, options: PatchLayoutOptions = {}): PatchLayout {
  assertInteger('height', height, 1);
  assertInteger('width', width, 1);
  assertOptions('options', options);
  const minGap = options.minGap ?? PATCH_LAYOUT_GUARDS.minGap;
  const minJitter = options.minJitter ?? PATCH_LAYOUT_GUARDS.minJitter;
  assertInteger('options.minGap', minGap, 0);
  assertInteger('options.minJitter', minJitter, 0);
  const side = Math.min(height, width);
  const unit = side / (3 * DOERSCH.patch + 2 * DOERSCH.gap + 2 * DOERSCH.jitter);
  const gap = options.gap ?? Math.max(minGap, Math.floor(DOERSCH.gap * unit));
  const jitter = options.jitter ?? Math.max(minJitter, Math.floor(DOERSCH.jitter * unit));
  assertInteger('options.gap', gap, 0);
  assertInteger('options.jitter', jitter, 0);
  const patchSize = options.patchSize ?? Math.max(1, Math.min(Math.floor(DOERSCH.patch * unit), Math.floor((side - 2 * gap - 2 * jitter) / 3)));
  assertInteger('options.patchSize', patchSize, 1);
  const span = 3 * patchSize + 2 * gap + 2 * jitter;
  if (span > side) {
    const guards = options.gap === undefined || options.jitter === undefined ? ` (scaled gap and jitter are at least minGap ${minGap} and minJitter ${minJitter} pixels)` : '';
    invalidArgument('options', `a layout whose 3 patches + 2 gaps + 2 jitters fit in ${height}x${width} (span ${span})${guards}`, options);
  }
  return { patchSize, gap, jitter };
}

/** Top-left corners of the 9 jittered cells of one image, row by row. */
function gridPositions(height: number, width: number, layout: PatchLayout, rng: Rng): [number, number][] {
  const { patchSize: p, gap: g, jitter: j } = layout;
  const span = 3 * p + 2 * g;
  const oy = rng.int(j, height - span - j + 1);
  const ox = rng.int(j, width - span - j + 1);
  const cells: [number, number][] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) cells.push([oy + r * (p + g) + rng.int(-j, j + 1), ox + c * (p + g) + rng.int(-j, j + 1)]);
  }
  return cells;
}

function extract(images: tf.Tensor4D, corners: readonly [number, number][], indices: readonly number[], size: number): tf.Tensor4D {
  const boxes: CropBox[] = corners.map(([top, left]) => ({ top, left, height: size, width: size }));
  // Nearest sampling on integer boxes: exact pixel copies.
  return cropBoxes(images, boxes, [size, size], { indices, method: 'nearest' });
}

/**
 * The shortcut removals of Doersch et al.'s reference code, in its order: down- and up-sampling, color dropping, then
 * per-patch standardisation. Each patch (row) is treated on its own.
 */
function applyShortcutRemovals(patches: tf.Tensor4D, rng: Rng, options: PatchGridOptions): tf.Tensor4D {
  let x = patches;
  const step = (next: tf.Tensor4D) => {
    if (x !== patches) x.dispose();
    x = next;
  };
  if (options.downUpSample !== undefined && options.downUpSample !== false) {
    step(downUpSample(x, rng, options.downUpSample === true ? {} : options.downUpSample));
  }
  if (options.colorDrop !== undefined && options.colorDrop !== false) {
    step(colorDrop(x, rng, options.colorDrop === true ? {} : options.colorDrop));
  }
  if (options.normalize ?? true) step(standardizeEach(x));
  return x;
}

/** A 3x3 grid of patches per image. */
export interface PatchGrid {
  /** [N, 9, P, P, C], cells row by row (0 1 2 / 3 4 5 / 6 7 8). */
  readonly patches: tf.Tensor5D;
  /** positions[i][k] = [top, left] of patch k of image i, in pixels. */
  readonly positions: readonly (readonly [number, number])[][];
  readonly layout: PatchLayout;
}

function checkShortcutOptions(options: PatchGridOptions): void {
  for (const key of ['colorDrop', 'downUpSample'] as const) {
    const v = options[key];
    if (v !== undefined && typeof v !== 'boolean' && (typeof v !== 'object' || v === null)) {
      invalidArgument(`options.${key}`, 'a boolean or an options object', v);
    }
  }
  if (options.normalize !== undefined && typeof options.normalize !== 'boolean') invalidArgument('options.normalize', 'a boolean', options.normalize);
}

/** The checks and the layout both grid samplers start with: images, rng and options checked, the layout sized. */
function checkedGridInput(
  images: tf.Tensor4D,
  rng: Rng,
  options: PatchGridOptions,
): { n: number; h: number; w: number; c: number; layout: PatchLayout } {
  assertImages('images', images);
  assertRng('rng', rng);
  assertOptions('options', options);
  checkShortcutOptions(options);
  const [n, h, w, c] = images.shape;
  return { n, h, w, c, layout: patchLayout(h, w, options) };
}

/**
 * Cuts a 3x3 grid of square patches from every image (Doersch, Gupta, Efros 2015, "Unsupervised Visual Representation
 * Learning by Context Prediction"): patches separated by a gap, the grid placed at random, each patch jittered by up
 * to `jitter` pixels in each direction, so that no low-level cue (continuing lines, textures across the boundary)
 * gives the arrangement away. Sizes default to the paper's scaled to the image, with at least 3 pixels of gap and 1
 * of jitter ({@link patchLayout}). Every patch is standardised on its own unless `normalize: false` (exact pixel
 * copies); `downUpSample` and `colorDrop` apply the paper's other removals.
 */
export function patchGrid(images: tf.Tensor4D, rng: Rng, options: PatchGridOptions = {}): PatchGrid {
  const { n, h, w, c, layout } = checkedGridInput(images, rng, options);
  const p = layout.patchSize;
  if (n === 0) return { patches: tf.zeros([0, 9, p, p, c]), positions: [], layout };
  const positions = Array.from({ length: n }, () => gridPositions(h, w, layout, rng));
  const indices = positions.flatMap((cells, i) => cells.map(() => i));
  const patches = tf.tidy(() => {
    const flat = applyShortcutRemovals(extract(images, positions.flat(), indices, p), rng, options);
    return tf.reshape(flat, [n, 9, p, p, c]) as tf.Tensor5D;
  });
  return { patches, positions, layout };
}

/**
 * Relative-location labels (Doersch et al. 2015): label l means the second patch sits in cell
 * `RELATIVE_LOCATION_CELLS[l]` of the 3x3 grid around the first (the centre, cell 4):
 * ```
 * 0 1 2
 * 3 . 4
 * 5 6 7
 * ```
 */
export const RELATIVE_LOCATION_CELLS: readonly number[] = [0, 1, 2, 3, 5, 6, 7, 8];

/** Pairs for the relative-location task. */
export interface RelativeLocationPairs {
  /** [N, P, P, C]: the centre patch of each image. */
  readonly first: tf.Tensor4D;
  /** [N, P, P, C]: one of its eight neighbours. */
  readonly second: tf.Tensor4D;
  /** [N] int32 in 0..7, the layout of {@link RELATIVE_LOCATION_CELLS}. */
  readonly labels: tf.Tensor1D;
  /** [top, left] of the first and second patch of each image. */
  readonly positions: readonly (readonly [readonly [number, number], readonly [number, number]])[];
  readonly layout: PatchLayout;
}

/**
 * One relative-location pair per image (Doersch et al. 2015): the centre patch of a jittered 3x3 grid and a neighbour
 * drawn uniformly from the other eight, labelled by its position. The layout's guards (gap >= 3, jitter >= 1 pixel)
 * and per-patch standardisation are on by default; `downUpSample` and `colorDrop` add the paper's other shortcut
 * removals, to both patches.
 */
export function relativeLocationPairs(images: tf.Tensor4D, rng: Rng, options: PatchGridOptions = {}): RelativeLocationPairs {
  const { n, h, w, c, layout } = checkedGridInput(images, rng, options);
  const p = layout.patchSize;
  if (n === 0) {
    return { first: tf.zeros([0, p, p, c]), second: tf.zeros([0, p, p, c]), labels: tf.tensor1d([], 'int32'), positions: [], layout };
  }
  const labels = new Int32Array(n);
  const positions: [[number, number], [number, number]][] = [];
  for (let i = 0; i < n; i++) {
    const cells = gridPositions(h, w, layout, rng);
    labels[i] = rng.int(0, 8);
    positions.push([cells[4]!, cells[RELATIVE_LOCATION_CELLS[labels[i]!]!]!]);
  }
  const [first, second] = tf.tidy(() => {
    // Rows 0..N-1 are the first patches, N..2N-1 the second: the shortcut removals see each patch independently.
    const corners = [...positions.map((pair) => pair[0]), ...positions.map((pair) => pair[1])];
    const indices = [...positions.keys(), ...positions.keys()];
    const both = applyShortcutRemovals(extract(images, corners, indices, p), rng, options);
    return tf.split(both, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
  });
  return { first, second, labels: tf.tensor1d(labels, 'int32'), positions, layout };
}
