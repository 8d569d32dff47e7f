import * as tf from '@tensorflow/tfjs-core';
import { assertRank } from '@selfsup/tensors';
import type { Padding } from './conv2d.js';

/** Mean over the spatial axes: [N, H, W, C] -> [N, C]. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  assertRank('x', x, 4);
  return tf.mean(x, [1, 2]);
}

/** Max pooling over NHWC batches; numeric padding pads every side (PyTorch-style; padded cells never win). */
export function maxPool2d(x: tf.Tensor4D, poolSize: number, strides: number, padding: Padding = 'valid'): tf.Tensor4D {
  assertRank('x', x, 4);
  return tf.maxPool(x, poolSize, strides, padding);
}

/** Flattens every axis but the first: [N, ...] -> [N, prod(...)]. */
export function flatten(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0] ?? 0, -1]);
}
