import * as tf from '@tensorflow/tfjs-core';
import { assertOptions, assertProbability } from '@selfsup/tensors';
import { LUMA_WEIGHTS, assertImages, mixChannels } from './images.js';
import { type ImageTransform, randomApply } from './pipeline.js';

/**
 * Converts to grey with the BT.601 luma weights (0.299, 0.587, 0.114) and keeps the channel count: a color batch
 * comes back with three equal channels (as torchvision's `Grayscale(num_output_channels=3)`); a grey one unchanged.
 */
export function toGrayscale(images: tf.Tensor4D): tf.Tensor4D {
  assertImages('images', images);
  if (images.shape[3] === 1) return tf.clone(images);
  // Every output channel is the luma: one 3x3 channel mix.
  return mixChannels(images, LUMA_WEIGHTS.map((w) => [w, w, w]));
}

/** Turns each sample grey with probability `p` (default 0.2: SimCLR, MoCo v1/v2 and BYOL all use 0.2). */
export function randomGrayscale(options: { readonly p?: number } = {}): ImageTransform {
  assertOptions('options', options);
  const p = options.p ?? 0.2;
  assertProbability('options.p', p);
  return randomApply((images) => toGrayscale(images), p);
}
