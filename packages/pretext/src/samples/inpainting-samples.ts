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
import { type Rng, assertInteger, assertNonNegative, assertOneOf, assertOptions, assertRng, invalidArgument } from '@selfsup/tensors';
import { assertColorImages } from '../color/lab-channels.js';

/** Context Encoders' three hole shapes: the central square, random rectangles ("random block") and random blobs. */
export const INPAINTING_MASKS = ['center', 'rectangles', 'blobs'] as const;
export type InpaintingMaskKind = (typeof INPAINTING_MASKS)[number];

export interface InpaintingMaskOptions {
  /** Default 'center'. */
  readonly kind?: InpaintingMaskKind;
  /** 'center': the hole's side as a fraction of the image side. Default 0.5 (a quarter of the pixels). */
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

export interface InpaintingSampleOptions extends InpaintingMaskOptions {
  /** Width in pixels of the context band around the hole that the reconstruction also covers. Default 4 (Pathak et al.). */
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
  /** [N, H, W, C]: the images with the hole filled by `fill`, the encoder's input. */
  readonly inputs: tf.Tensor4D;
  /** [N, H, W, 1]: reconstruction weights, 1 in the hole, `overlapWeight` in the band, 0 elsewhere. */
  readonly weights: tf.Tensor4D;
}

/**
 * Context Encoders' training samples (Pathak et al. 2016): a hole per image, the image with the hole filled as the
 * input, and the per-pixel weights of the masked L2 loss (the hole plus a 10x-weighted overlap band).
 */
export function inpaintingSamples(images: tf.Tensor4D, rng: Rng, options: InpaintingSampleOptions = {}): InpaintingSamples {
  assertColorImages('images', images);
  assertRng('rng', rng);
  assertOptions('options', options);
  const [n, h, w] = images.shape;
  const overlap = options.overlap ?? 4;
  const overlapWeight = options.overlapWeight ?? 10;
  assertInteger('options.overlap', overlap, 0, 1024);
  assertNonNegative('options.overlapWeight', overlapWeight);
  const masks = inpaintingMasks(n, [h, w], rng, options);
  return tf.tidy(() => ({
    masks: tf.keep(masks),
    inputs: maskedInputs(images, masks, options.fill),
    weights: inpaintingLossWeights(masks, { overlap, overlapWeight }),
  }));
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
