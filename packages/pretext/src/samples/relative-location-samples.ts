import type * as tf from '@tensorflow/tfjs-core';
import { type DownUpSampleOptions, type RelativeLocationPairs, relativeLocationPairs } from '@selfsup/augment';
import { type Rng, assertOptions, assertRng } from '@selfsup/tensors';

export interface RelativeLocationSampleOptions {
  /** Patch side in pixels. Default: Doersch et al.'s 96 scaled to the image (see `patchLayout`). */
  readonly patchSize?: number;
  /** Gap between neighbouring cells. Default: 48 scaled, at least `minGap`. */
  readonly gap?: number;
  /** Largest shift of each patch in each direction. Default: 7 scaled, at least `minJitter`. */
  readonly jitter?: number;
  /** Least scaled gap in pixels (an explicit `gap` is used as given). Default 3. */
  readonly minGap?: number;
  /** Least scaled jitter in pixels (an explicit `jitter` is used as given). Default 1. */
  readonly minJitter?: number;
  /** Color dropping against chromatic aberration (no-op on grey images). Default true. */
  readonly colorDrop?: boolean | { readonly noise?: number };
  /** Random down- and up-sampling against pixelation cues, with probability 0.33 per patch unless given. Default true. */
  readonly downUpSample?: boolean | DownUpSampleOptions;
  /** Standardise every patch on its own (zero mean, unit standard deviation). Default true. */
  readonly normalize?: boolean;
}

/**
 * Relative-location training pairs (Doersch, Gupta & Efros 2015) with the paper's shortcut guards on by default:
 * the centre patch of a jittered 3x3 grid (gap >= 3, jitter >= 1 pixel), one of its eight neighbours, and the
 * neighbour's position as the label (0..7, see `RELATIVE_LOCATION_CELLS`); both patches randomly down- and
 * up-sampled, color-dropped and standardised on their own.
 */
export function relativeLocationSamples(images: tf.Tensor4D, rng: Rng, options: RelativeLocationSampleOptions = {}): RelativeLocationPairs {
  assertRng('rng', rng);
  assertOptions('options', options);
  return relativeLocationPairs(images, rng, {
    ...(options.patchSize !== undefined ? { patchSize: options.patchSize } : {}),
    ...(options.gap !== undefined ? { gap: options.gap } : {}),
    ...(options.jitter !== undefined ? { jitter: options.jitter } : {}),
    ...(options.minGap !== undefined ? { minGap: options.minGap } : {}),
    ...(options.minJitter !== undefined ? { minJitter: options.minJitter } : {}),
    colorDrop: options.colorDrop ?? true,
    downUpSample: options.downUpSample ?? true,
    normalize: options.normalize ?? true,
  });
}
