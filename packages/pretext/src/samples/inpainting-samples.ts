import * as tf from '@tensorflow/tfjs-core';
import {
  type MaskBatch,
  CONTEXT_ENCODER_FILL,
  applyMask,
  centerMask,
  inpaintingLossWeights,
  randomBlobMasks,
  randomRectangleMasks,
} from '@selfsup/augment';
import { type Rng, assertInRange, assertInteger, assertNonNegative, assertOneOf, assertOptions, assertRng, invalidArgument } from '@selfsup/tensors';
import { assertColorImages } from '../color/lab-channels.js';

/** Context Encoders' three hole shapes: the central square, random rectangles ("random block") and random blobs. */
export const INPAINTING_MASKS = ['center', 'rectangles', 'blobs'] as const;
export type InpaintingMaskKind = (typeof INPAINTING_MASKS)[number];

export interface InpaintingMaskOptions {
  /** Default 'center'. */
  readonly kind?: InpaintingMaskKind;
  /**
   * 'center': the side of the central region as a fraction of the image side, rounded to pixels. Default 0.5 (the
   * reference's 64 of 128 px; 14 of 28). `inpaintingMasks` makes that region the hole; Context Encoders'
   * samples (`inpaintingSamples`) keep an overlap border of it visible and hide the rest.
   */
  readonly centerFraction?: number;
  /** 'rectangles': the largest fraction of the image the rectangles may cover. Default 0.25. */
  readonly maxCoverage?: number;
  /** 'rectangles': each side as a fraction of the image side. Default [0.1, 0.4]. */
  readonly sideRange?: readonly [number, number];
  /** 'blobs': the fraction of pixels in the hole (exact). Default 0.25. */
  readonly holeFraction?: number;
  /** 'blobs': noise cells per side of the coarsest octave. Default 4. */
  readonly blobScale?: number;
}

/** Hole masks [N, H, W, 1] (1 = hole) of the requested kind, drawn from `rng`. */
export function inpaintingMasks(count: number, size: readonly [number, number], rng: Rng, options: InpaintingMaskOptions = {}): MaskBatch {
  assertInteger('count', count, 0);
  assertRng('rng', rng);
  assertOptions('options', options);
  const kind = options.kind ?? 'center';
  assertOneOf('options.kind', kind, INPAINTING_MASKS);
  switch (kind) {
    case 'center':
      return centerMask(count, size, { fraction: options.centerFraction ?? 0.5 });
    case 'rectangles':
      return randomRectangleMasks(count, size, rng, {
        maxCoverage: options.maxCoverage ?? 0.25,
        ...(options.sideRange !== undefined ? { sideRange: options.sideRange } : {}),
      });
    default:
      return randomBlobMasks(count, size, rng, { holeFraction: options.holeFraction ?? 0.25, scale: options.blobScale ?? 4 });
  }
}

/** A rectangle of an image, in pixels: the part a Context Encoder predicts. */
export interface InpaintingRegion {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * The region a Context Encoder predicts for these hole options: with 'center' holes the central square of
 * `centerFraction` of each side (default half: 64 px at 128, 14 at 28, 16 at 32; side round(fraction x side), top
 * floor((H - height) / 2), as `centerMask`), with random holes the whole image (a hole can be anywhere).
 */
export function inpaintingRegion(size: readonly [number, number], options: InpaintingMaskOptions = {}): InpaintingRegion {
  if (!Array.isArray(size) || size.length !== 2) invalidArgument('size', 'a [height, width] pair', size);
  assertInteger('size[0]', size[0], 1);
  assertInteger('size[1]', size[1], 1);
  assertOptions('options', options);
  const kind = options.kind ?? 'center';
  assertOneOf('options.kind', kind, INPAINTING_MASKS);
  const [h, w] = size;
  if (kind !== 'center') return { top: 0, left: 0, height: h, width: w };
  const fraction = options.centerFraction ?? 0.5;
  assertInRange('options.centerFraction', fraction, 0, 1);
  const height = Math.round(fraction * h);
  const width = Math.round(fraction * w);
  if (height < 1 || width < 1) invalidArgument('options.centerFraction', `a fraction that leaves at least 1 px of the ${h}x${w} image`, fraction);
  return { top: Math.floor((h - height) / 2), left: Math.floor((w - width) / 2), height, width };
}

/**
 * Context Encoders' overlap scaled to the image: the reference predicts a 4 px border around the hole at 128 px
 * (overlapPred = 4), so round(min(H, W) / 32): 1 px at 28 or 32 px, 2 at 64.
 */
export function contextEncoderOverlap(size: readonly [number, number]): number {
  if (!Array.isArray(size) || size.length !== 2) invalidArgument('size', 'a [height, width] pair', size);
  assertInteger('size[0]', size[0], 1);
  assertInteger('size[1]', size[1], 1);
  return Math.round(Math.min(size[0], size[1]) / 32);
}

/** Checks that a centre region keeps a hole inside its overlap border. */
export function assertOverlapFits(name: string, overlap: number, region: InpaintingRegion): void {
  assertInteger(name, overlap, 0, 1024);
  if (2 * overlap >= Math.min(region.height, region.width)) {
    invalidArgument(name, `an overlap below half the ${region.height}x${region.width} centre region's shorter side (a hole must remain)`, overlap);
  }
}

/** Masks [count, H, W, 1] that are 1 on the rectangle. */
function rectangleMasks(count: number, size: readonly [number, number], r: InpaintingRegion): MaskBatch {
  const [h, w] = size;
  const one = new Float32Array(h * w);
  for (let y = r.top; y < r.top + r.height; y++) one.fill(1, y * w + r.left, y * w + r.left + r.width);
  return tf.tidy(() => tf.tile(tf.tensor4d(one, [1, h, w, 1]), [count, 1, 1, 1]) as tf.Tensor4D);
}

/**
 * The hole of Context Encoders' central mode, as the reference code makes it: the centre region less its `overlap`
 * border (at 128 px the region is 64 px and the hole 56 px: the border stays visible and is predicted too).
 */
export function centerHoleMasks(count: number, size: readonly [number, number], overlap: number, options: InpaintingMaskOptions = {}): MaskBatch {
  assertInteger('count', count, 0);
  const region = inpaintingRegion(size, { ...options, kind: 'center' });
  assertOverlapFits('overlap', overlap, region);
  return rectangleMasks(count, size, {
    top: region.top + overlap,
    left: region.left + overlap,
    height: region.height - 2 * overlap,
    width: region.width - 2 * overlap,
  });
}

export interface InpaintingSampleOptions extends InpaintingMaskOptions {
  /**
   * Width in pixels of the overlap band: the visible border of the centre region that the generator predicts too
   * ('center'), or the context band around random holes. Default `contextEncoderOverlap` (the reference's 4 px at
   * 128 px, scaled with the image).
   */
  readonly overlap?: number;
  /** Loss weight of that band relative to the hole. Default 10 (Pathak et al.). */
  readonly overlapWeight?: number;
  /**
   * What fills the hole in the encoder's input: a value per channel or one for all. Default Context Encoders' mean
   * ImageNet color (its luma for grey images).
   */
  readonly fill?: number | readonly number[];
}

/** One inpainting batch. */
export interface InpaintingSamples {
  /** [N, H, W, 1], 1 in the hole. */
  readonly masks: MaskBatch;
  /** The part of the image the generator predicts: the centre region, or the whole image for random holes. */
  readonly region: InpaintingRegion;
  /** [N, H, W, C]: the images with the hole filled by `fill`, the encoder's input. */
  readonly inputs: tf.Tensor4D;
  /** [N, H, W, 1]: reconstruction weights, 1 in the hole, `overlapWeight` in the band, 0 elsewhere. */
  readonly weights: tf.Tensor4D;
}

/**
 * Context Encoders' training samples (Pathak et al. 2016): a hole per image, the image with the hole filled as the
 * input, and the per-pixel weights of the masked L2 loss (the hole plus a 10x-weighted overlap band). 'center'
 * follows the reference code (train.lua): the generator predicts the centre region, the hole is that region less
 * its `overlap` border, and the border, visible in the input, is weighted `overlapWeight`. Random holes get the band
 * outside the hole, in the context.
 */
export function inpaintingSamples(images: tf.Tensor4D, rng: Rng, options: InpaintingSampleOptions = {}): InpaintingSamples {
  assertColorImages('images', images);
  assertRng('rng', rng);
  assertOptions('options', options);
  const [n, h, w] = images.shape;
  const region = inpaintingRegion([h, w], options);
  const overlap = options.overlap ?? contextEncoderOverlap([h, w]);
  const overlapWeight = options.overlapWeight ?? 10;
  assertInteger('options.overlap', overlap, 0, 1024);
  assertNonNegative('options.overlapWeight', overlapWeight);
  const center = (options.kind ?? 'center') === 'center';
  if (center) assertOverlapFits('options.overlap', overlap, region);
  const masks = center ? centerHoleMasks(n, [h, w], overlap, options) : inpaintingMasks(n, [h, w], rng, options);
  try {
    const { inputs, weights } = tf.tidy(() => ({
      inputs: maskedInputs(images, masks, options.fill),
      weights: inpaintingLossWeights(masks, { overlap, overlapWeight }),
    }));
    return { masks, region, inputs, weights };
  } catch (error) {
    masks.dispose();
    throw error;
  }
}

/**
 * The encoder's input for given holes: `images` with the pixels under `masks` (1 = hole) replaced by `fill` (one
 * value, or one per channel). Default fill: Context Encoders' mean ImageNet color, or its luma for grey images.
 */
export function maskedInputs(images: tf.Tensor4D, masks: MaskBatch, fill?: number | readonly number[]): tf.Tensor4D {
  assertColorImages('images', images);
  const c = images.shape[3];
  const [r, g, b] = CONTEXT_ENCODER_FILL;
  const value = fill ?? (c === 3 ? [r, g, b] : 0.299 * r + 0.587 * g + 0.114 * b);
  if (typeof value !== 'number' && !Array.isArray(value)) invalidArgument('fill', 'a number or one number per channel', value);
  return applyMask(images, masks, { fill: typeof value === 'number' ? value : [...value] });
}
