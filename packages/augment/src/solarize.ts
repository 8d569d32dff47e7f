import * as tf from '@tensorflow/tfjs-core';
import { assertInRange, assertOptions, assertProbability } from '@selfsup/tensors';
import { assertImages } from './images.js';
import { type ImageTransform, randomApply } from './pipeline.js';

/** Solarization: values at or above `threshold` (default 0.5) are inverted, x -> 1 - x (BYOL, Grill et al. 2020, B.1). */
export function solarize(images: tf.Tensor4D, threshold = 0.5): tf.Tensor4D {
  assertImages('images', images);
  assertInRange('threshold', threshold, 0, 1);
  return tf.tidy(() => tf.where(tf.less(images, threshold), images, tf.sub(1, images)) as tf.Tensor4D);
}

/** Solarizes each sample with probability `p` (default 1; BYOL's second view uses 0.2). */
export function randomSolarize(options: { readonly p?: number; readonly threshold?: number } = {}): ImageTransform {
  assertOptions('options', options);
  const p = options.p ?? 1;
  const threshold = options.threshold ?? 0.5;
  assertProbability('options.p', p);
  assertInRange('options.threshold', threshold, 0, 1);
  return randomApply((images) => solarize(images, threshold), p);
}
