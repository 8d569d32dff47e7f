import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertInRange, assertRank } from '../validate.js';

/** Tiles a batch [N, H, W, C] into one [rows*(H+pad)-pad, cols*(W+pad)-pad, C] image (for pictures). */
export function imageGrid(images: tf.Tensor4D, columns: number, options: { padding?: number; padValue?: number } = {}): tf.Tensor3D {
  assertRank('images', images, 4);
  assertInteger('columns', columns, 1, Math.max(1, images.shape[0]));
  const padding = options.padding ?? 2;
  const padValue = options.padValue ?? 1;
  assertInteger('options.padding', padding, 0, 64);
  assertInRange('options.padValue', padValue, 0, 1);
  const [n, h, w, c] = images.shape;
  const rows = Math.max(1, Math.ceil(n / columns));
  return tf.tidy(() => {
    let x: tf.Tensor4D = images;
    const missing = rows * columns - n;
    if (missing > 0) x = tf.concat([x, tf.fill([missing, h, w, c], padValue)]) as tf.Tensor4D;
    x = tf.pad(x, [[0, 0], [0, padding], [0, padding], [0, 0]], padValue);
    const hp = h + padding;
    const wp = w + padding;
    const grid = tf.reshape(tf.transpose(tf.reshape(x, [rows, columns, hp, wp, c]), [0, 2, 1, 3, 4]), [rows * hp, columns * wp, c]);
    return tf.slice(grid, [0, 0, 0], [rows * hp - padding, columns * wp - padding, c]) as tf.Tensor3D;
  });
}
