import * as tf from '@tensorflow/tfjs-core';
import { assertOptions, assertProbability } from '@selfsup/tensors';
import { assertImages } from './images.js';
import { type ImageTransform, randomApply } from './pipeline.js';

/** Mirrors every image left-right (exact: a reversal of the width axis, by wasm's fast FlipLeftRight kernel). */
export function flipHorizontal(images: tf.Tensor4D): tf.Tensor4D {
  assertImages('images', images);
  return tf.image.flipLeftRight(images);
}

/** Mirrors every image top-bottom. */
export function flipVertical(images: tf.Tensor4D): tf.Tensor4D {
  assertImages('images', images);
  return tf.reverse(images, 1);
}

/** Flips each sample left-right with probability `p` (default 0.5, as in SimCLR, MoCo and BYOL). */
export function randomHorizontalFlip(options: { readonly p?: number } = {}): ImageTransform {
  assertOptions('options', options);
  const p = options.p ?? 0.5;
  assertProbability('options.p', p);
  return randomApply((images) => flipHorizontal(images), p);
}

/** Flips each sample top-bottom with probability `p` (default 0.5). */
export function randomVerticalFlip(options: { readonly p?: number } = {}): ImageTransform {
  assertOptions('options', options);
  const p = options.p ?? 0.5;
  assertProbability('options.p', p);
  return randomApply((images) => flipVertical(images), p);
}
