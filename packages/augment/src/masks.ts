import * as tf from '@tensorflow/tfjs-core';
import {
  assertInRange,
  assertInteger,
  assertNonNegative,
  assertOptions,
  assertRangePair,
  assertRng,
  assertShape,
  invalidArgument,
  type Rng,
} from '@selfsup/tensors';
import { assertImages, assertSize } from './images.js';

/** Masks are float32 [N, H, W, 1] with 1 for hole pixels and 0 for context. */
export type MaskBatch = tf.Tensor4D;

function assertMasks(name: string, masks: unknown): asserts masks is tf.Tensor4D {
  assertShape(name, masks, [null, null, null, 1], { dtype: 'float32' });
}

/**
 * The central square (rectangle, for non-square images) hole of Context Encoders (Pathak et al. 2016, "Context
 * Encoders: Feature Learning by Inpainting": the central 64x64 of a 128x128 image, `fraction` 0.5 of each side).
 */
export function centerMask(count: number, size: readonly [number, number], options: { readonly fraction?: number } = {}): MaskBatch {
  assertInteger('count', count, 0);
  assertSize('size', size);
  assertOptions('options', options);
  const fraction = options.fraction ?? 0.5;
  assertInRange('options.fraction', fraction, 0, 1);
  const [h, w] = size;
  const mh = Math.round(fraction * h);
  const mw = Math.round(fraction * w);
  const top = Math.floor((h - mh) / 2);
  const left = Math.floor((w - mw) / 2);
  const one = new Float32Array(h * w);
  for (let y = top; y < top + mh; y++) one.fill(1, y * w + left, y * w + left + mw);
  return tf.tidy(() => tf.tile(tf.tensor4d(one, [1, h, w, 1]), [count, 1, 1, 1]) as tf.Tensor4D);
}

export interface RandomRectangleOptions {
  /** Largest hole fraction of the image; rectangles that would exceed it are rejected. Default 0.25. */
  readonly maxCoverage?: number;
  /** Range of each rectangle side as a fraction of the image side. Default [0.1, 0.4]. */
  readonly sideRange?: readonly [number, number];
  /** At most this many rectangles per mask. Default 8. */
  readonly maxRectangles?: number;
}

/**
 * Context Encoders' "random block" masks (Pathak et al. 2016): several possibly overlapping rectangles, each side
 * uniform in `sideRange` of the image side, added while the hole stays within `maxCoverage` of the image (the paper:
 * "covering up to 1/4 of the image"). Every mask has at least one rectangle.
 */
export function randomRectangleMasks(
  count: number,
  size: readonly [number, number],
  rng: Rng,
  options: RandomRectangleOptions = {},
): MaskBatch {
  assertInteger('count', count, 0);
  assertSize('size', size);
  assertRng('rng', rng);
  assertOptions('options', options);
  const maxCoverage = options.maxCoverage ?? 0.25;
  const sideRange = options.sideRange ?? [0.1, 0.4];
  const maxRectangles = options.maxRectangles ?? 8;
  assertInRange('options.maxCoverage', maxCoverage, 0, 1);
  assertRangePair('options.sideRange', sideRange, 0, 1);
  assertInteger('options.maxRectangles', maxRectangles, 1, 1000);
  const [h, w] = size;
  const side = (f: number, n: number) => Math.min(n, Math.max(1, Math.round(f * n)));
  const smallest = side(sideRange[0], h) * side(sideRange[0], w);
  if (smallest > maxCoverage * h * w) {
    invalidArgument('options.sideRange', `a range whose smallest rectangle (${smallest} pixels) fits in maxCoverage of ${h}x${w}`, sideRange);
  }
  const data = new Float32Array(count * h * w);
  for (let i = 0; i < count; i++) {
    const mask = data.subarray(i * h * w, (i + 1) * h * w);
    let covered = 0;
    let placed = 0;
    for (let attempt = 0; attempt < 8 * maxRectangles && placed < maxRectangles; attempt++) {
      const rh = side(rng.uniform(sideRange[0], sideRange[1]), h);
      const rw = side(rng.uniform(sideRange[0], sideRange[1]), w);
      const top = rng.int(0, h - rh + 1);
      const left = rng.int(0, w - rw + 1);
      let added = 0;
      for (let y = top; y < top + rh; y++) for (let x = left; x < left + rw; x++) if (mask[y * w + x] === 0) added++;
      if (covered + added > maxCoverage * h * w) {
        if (placed === 0) continue;
        break;
      }
      for (let y = top; y < top + rh; y++) mask.fill(1, y * w + left, y * w + left + rw);
      covered += added;
      placed++;
    }
    if (placed === 0) {
      // Every draw was too large: place the smallest rectangle, which fits by the check above.
      const rh = side(sideRange[0], h);
      const rw = side(sideRange[0], w);
      const top = rng.int(0, h - rh + 1);
      const left = rng.int(0, w - rw + 1);
      for (let y = top; y < top + rh; y++) mask.fill(1, y * w + left, y * w + left + rw);
    }
  }
  return tf.tensor4d(data, [count, h, w, 1]);
}

export interface BlobMaskOptions {
  /** Fraction of pixels in the hole. Default 0.25. */
  readonly holeFraction?: number;
  /** Noise cells per side of the coarsest octave: larger means more, smaller blobs. Default 4. */
  readonly scale?: number;
}

/**
 * Random blob masks: smooth random fields (bilinearly upsampled noise, two octaves) thresholded per mask at the
 * quantile that leaves exactly `round(holeFraction H W)` hole pixels (barring ties). A stand-in for Context
 * Encoders' "random region" masks, which were drawn from PASCAL VOC segmentation shapes.
 */
export function randomBlobMasks(count: number, size: readonly [number, number], rng: Rng, options: BlobMaskOptions = {}): MaskBatch {
  assertInteger('count', count, 0);
  assertSize('size', size);
  assertRng('rng', rng);
  assertOptions('options', options);
  const holeFraction = options.holeFraction ?? 0.25;
  const scale = options.scale ?? 4;
  assertInRange('options.holeFraction', holeFraction, 0, 1);
  assertInteger('options.scale', scale, 1, 256);
  const [h, w] = size;
  const holes = Math.round(holeFraction * h * w);
  if (count === 0 || holes === 0) return tf.zeros([count, h, w, 1]);
  if (holes === h * w) return tf.ones([count, h, w, 1]);
  const coarse = rng.normalArray(count * scale * scale);
  const fine = rng.normalArray(count * 4 * scale * scale);
  return tf.tidy(() => {
    const up = (values: Float32Array, cells: number) =>
      tf.image.resizeBilinear(tf.tensor4d(values, [count, cells, cells, 1]), [h, w], false, true);
    const field = tf.reshape(tf.add(up(coarse, scale), tf.mul(0.5, up(fine, 2 * scale))), [count, h * w]);
    const kth = tf.slice(tf.topk(field, holes, true).values, [0, holes - 1], [count, 1]);
    return tf.reshape(tf.cast(tf.greaterEqual(field, kth), 'float32'), [count, h, w, 1]) as tf.Tensor4D;
  });
}

/**
 * The band of context pixels within `width` pixels (Chebyshev distance) of a hole: Context Encoders predict a region
 * that overlaps the context by 4 pixels and weight the loss there 10 times (Pathak et al. 2016, 4.1). Returns
 * [N, H, W, 1] with 1 in the band, 0 elsewhere (the hole itself is not part of the band).
 */
export function overlapBand(masks: MaskBatch, width: number): MaskBatch {
  assertMasks('masks', masks);
  assertInteger('width', width, 0, 1024);
  return tf.tidy(() => {
    if (width === 0) return tf.zerosLike(masks);
    const grown = tf.maxPool(masks, 2 * width + 1, 1, 'same');
    return tf.sub(grown, masks) as tf.Tensor4D;
  });
}

/**
 * Per-pixel reconstruction weights for Context Encoders: 1 in the hole, `overlapWeight` (default 10) in the
 * `overlap`-pixel band around it (default 4), 0 elsewhere.
 */
export function inpaintingLossWeights(
  masks: MaskBatch,
  options: { readonly overlap?: number; readonly overlapWeight?: number } = {},
): tf.Tensor4D {
  assertMasks('masks', masks);
  assertOptions('options', options);
  const overlap = options.overlap ?? 4;
  const overlapWeight = options.overlapWeight ?? 10;
  assertNonNegative('options.overlapWeight', overlapWeight);
  return tf.tidy(() => tf.add(masks, tf.mul(overlapBand(masks, overlap), overlapWeight)) as tf.Tensor4D);
}

/** Context Encoders' hole fill: the ImageNet mean color (117, 104, 123) / 255. */
export const CONTEXT_ENCODER_FILL: readonly [number, number, number] = [117 / 255, 104 / 255, 123 / 255];

export interface ApplyMaskOptions {
  /**
   * What goes in the hole: a number, one number per channel, 'mean' (each image's mean color over its context
   * pixels) or 'noise' (uniform in [0, 1], needs `rng`). Default 0.
   */
  readonly fill?: number | readonly number[] | 'mean' | 'noise';
  readonly rng?: Rng;
}

/** Fills the holes of `images` ([N, H, W, C]) given by `masks` ([N, H, W, 1], 1 = hole): x (1 - m) + fill m. */
export function applyMask(images: tf.Tensor4D, masks: MaskBatch, options: ApplyMaskOptions = {}): tf.Tensor4D {
  assertImages('images', images);
  assertMasks('masks', masks);
  assertOptions('options', options);
  const [n, h, w, c] = images.shape;
  if (masks.shape[0] !== n || masks.shape[1] !== h || masks.shape[2] !== w) {
    invalidArgument('masks', `a [${n}, ${h}, ${w}, 1] mask batch`, masks);
  }
  const fill = options.fill ?? 0;
  let seed = 0;
  if (fill === 'noise') {
    assertRng('options.rng', options.rng);
    seed = options.rng.seed();
  } else if (Array.isArray(fill)) {
    if (fill.length !== c || !fill.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      invalidArgument('options.fill', `${c} finite numbers (one per channel)`, fill);
    }
  } else if (fill !== 'mean' && (typeof fill !== 'number' || !Number.isFinite(fill))) {
    invalidArgument('options.fill', "a number, one number per channel, 'mean' or 'noise'", fill);
  }
  return tf.tidy(() => {
    const keep = tf.sub(1, masks);
    let value: tf.Tensor;
    if (fill === 'noise') value = tf.randomUniform([n, h, w, c], 0, 1, 'float32', seed);
    else if (fill === 'mean') {
      const visible = tf.maximum(tf.sum(keep, [1, 2], true), 1);
      value = tf.div(tf.sum(tf.mul(images, keep), [1, 2], true), visible);
    } else value = typeof fill === 'number' ? tf.scalar(fill) : tf.tensor1d(fill as number[]);
    return tf.add(tf.mul(images, keep), tf.mul(value, masks)) as tf.Tensor4D;
  });
}
