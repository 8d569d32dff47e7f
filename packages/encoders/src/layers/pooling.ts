import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertRank, invalidArgument } from '@selfsup/tensors';
import type { Padding } from './conv2d.js';

/** Mean over the spatial axes: [N, H, W, C] -> [N, C]. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  assertRank('x', x, 4);
  if (x.shape[1] === 0 || x.shape[2] === 0) invalidArgument('x', 'images of at least 1x1 pixels', x);
  // An empty batch has an empty mean (tfjs-wasm divides by zero on it).
  if (x.shape[0] === 0) return tf.zeros([0, x.shape[3]]);
  return tf.mean(x, [1, 2]);
}

/** Max pooling over NHWC batches; numeric padding pads every side (PyTorch-style; padded cells never win). */
export function maxPool2d(x: tf.Tensor4D, poolSize: number, strides: number, padding: Padding = 'valid'): tf.Tensor4D {
  assertRank('x', x, 4);
  if (padding !== 'valid' && padding !== 'same') assertInteger('padding', padding, 0);
  const pad = typeof padding === 'number' ? padding : 0;
  const largest = padding === 'same' ? Number.MAX_SAFE_INTEGER : Math.min(x.shape[1], x.shape[2]) + 2 * pad;
  if (largest < 1) invalidArgument('x', 'images of at least 1x1 pixels', x);
  assertInteger('poolSize', poolSize, 1, largest);
  assertInteger('strides', strides, 1);
  return tf.maxPool(x, poolSize, strides, padding);
}

/** Flattens every axis but the first: [N, ...] -> [N, prod(...)]. */
export function flatten(x: tf.Tensor): tf.Tensor2D {
  assertRank('x', x, [1, 2, 3, 4, 5, 6]);
  // An explicit size (not -1): tfjs cannot infer it for an empty batch.
  return tf.reshape(x, [x.shape[0] ?? 0, x.shape.slice(1).reduce((a, b) => a * b, 1)]);
}
