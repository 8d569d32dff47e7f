import type * as tf from '@tensorflow/tfjs-core';
import { type DownUpSampleOptions, type RelativeLocationPairs, relativeLocationPairs } from '@selfsup/augment';
import { type Rng, assertOptions, assertRng } from '@selfsup/tensors';

export interface RelativeLocationSampleOptions {
  /** Patch side in pixels. Default: Doersch et al.'s 96 scaled to the image (see `patchLayout`). */
  readonly patchSize?: number;
  /** Gap between neighbouring cells. Default: 48 scaled. */
  readonly gap?: number;
  /** Largest shift of each patch in each direction. Default: 7 scaled. */
  readonly jitter?: number;
  /** Color dropping against chromatic aberration (no-op on grey images). Default true. */
  readonly colorDrop?: boolean | { readonly noise?: number };
  /** Random down- and up-sampling against pixelation cues. Default true. */
  readonly downUpSample?: boolean | DownUpSampleOptions;
}

/**
 * Relative-location training pairs (Doersch, Gupta & Efros 2015) with the paper's shortcut removals on by default:
 * the centre patch of a jittered 3x3 grid, one of its eight neighbours, and the neighbour's position as the label
 * (0..7, see `RELATIVE_LOCATION_CELLS`).
 */
export function relativeLocationSamples(images: tf.Tensor4D, rng: Rng, options: RelativeLocationSampleOptions = {}): RelativeLocationPairs {
  assertRng('rng', rng);
  assertOptions('options', options);
  return relativeLocationPairs(images, rng, {
    ...(options.patchSize !== undefined ? { patchSize: options.patchSize } : {}),
    ...(options.gap !== undefined ? { gap: options.gap } : {}),
    ...(options.jitter !== undefined ? { jitter: options.jitter } : {}),
    colorDrop: options.colorDrop ?? true,
    downUpSample: options.downUpSample ?? true,
  });
}
