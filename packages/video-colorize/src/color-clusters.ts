import * as tf from '@tensorflow/tfjs-core';
import { type Rng, assertObject, assertPositiveInteger, assertRng, assertShape, assertTensor, invalidArgument } from '@selfsup/tensors';
import { kMeans, nearestCentroid } from './kmeans.js';
import { rgbToLab } from '@selfsup/augment';

export interface ColorClusterOptions {
  /** Draws the pixel sample and the k-means++ seeds. */
  readonly rng: Rng;
  /** Number of color clusters. Default 16 (Vondrick et al.). */
  readonly numClusters?: number;
  /** Pixels sampled (uniformly, with replacement) for k-means; all pixels when there are fewer. Default 20000. */
  readonly samples?: number;
  /** Lloyd iterations at most. Default 50. */
  readonly maxIterations?: number;
}

/**
 * Fits the color vocabulary: k-means over the ab channels (Lab) of pixels sampled from `frames` (sRGB [T, H, W, 3] in
 * [0, 1]). Returns the [K, 2] cluster centres in ab units (the caller owns them).
 */
export function fitColorClusters(frames: tf.Tensor4D, options: ColorClusterOptions): tf.Tensor2D {
  assertShape('frames', frames, [null, null, null, 3], { nonEmpty: true });
  assertObject('options', options, 'an options object with rng');
  assertRng('options.rng', options.rng);
  const k = options.numClusters ?? 16;
  assertPositiveInteger('options.numClusters', k);
  const samples = options.samples ?? 20000;
  assertPositiveInteger('options.samples', samples);
  const total = frames.size / 3;
  if (k > total) invalidArgument('options.numClusters', `at most the number of pixels (${total})`, k);
  const ab = tf.tidy(() => tf.slice(tf.reshape(rgbToLab(frames), [total, 3]), [0, 1], [total, 2]));
  try {
    let points: tf.Tensor2D = ab as tf.Tensor2D;
    if (total > samples) {
      const picks = Int32Array.from({ length: samples }, () => options.rng.int(0, total));
      points = tf.tidy(() => tf.gather(ab, tf.tensor1d(picks, 'int32')) as tf.Tensor2D);
    }
    try {
      return kMeans(points, k, { rng: options.rng, ...(options.maxIterations !== undefined ? { maxIterations: options.maxIterations } : {}) })
        .centroids;
    } finally {
      if (points !== ab) points.dispose();
    }
  } finally {
    ab.dispose();
  }
}

/** The color cluster of every ab vector of `ab` ([..., 2]): int32 [...]. */
export function quantizeColors(ab: tf.Tensor, centroids: tf.Tensor2D): tf.Tensor {
  assertTensor('ab', ab);
  assertShape('centroids', centroids, [null, 2], { nonEmpty: true });
  if (ab.rank < 1 || ab.shape[ab.rank - 1] !== 2) invalidArgument('ab', 'a tensor whose last dimension is 2 (a, b)', ab);
  return tf.tidy(() => tf.reshape(nearestCentroid(tf.reshape(ab, [-1, 2]) as tf.Tensor2D, centroids), ab.shape.slice(0, -1)));
}

/** @deprecated use `fitColorClusters`. */
export const fitColourClusters = fitColorClusters;
/** @deprecated use `quantizeColors`. */
export const quantizeColours = quantizeColors;
/** @deprecated use `ColorClusterOptions`. */
export type ColourClusterOptions = ColorClusterOptions;
