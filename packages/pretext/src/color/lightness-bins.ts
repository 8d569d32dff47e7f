import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertTensor, invalidArgument } from '@selfsup/tensors';

/** Centres of `count` equal-width bins over L* in [0, 100]: (k + 1/2) 100 / count. */
export function lightnessBins(count: number): number[] {
  assertInteger('count', count, 2, 1000);
  return Array.from({ length: count }, (_, k) => ((k + 0.5) * 100) / count);
}

/**
 * The bin of each L* value among `count` equal-width bins over [0, 100] (values outside are clamped to the end bins):
 * the classification target of split-brain autoencoders' ab -> L half. [...] float32 -> int32 [...].
 */
export function quantizeLightness(lightness: tf.Tensor, count: number): tf.Tensor {
  assertTensor('lightness', lightness);
  if (lightness.dtype !== 'float32') invalidArgument('lightness', 'a float32 tensor of L* values', lightness);
  assertInteger('count', count, 2, 1000);
  return tf.tidy(() => tf.cast(tf.clipByValue(tf.floor(tf.mul(lightness, count / 100)), 0, count - 1), 'int32'));
}
