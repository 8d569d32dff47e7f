import * as tf from '@tensorflow/tfjs-core';
import { assertShape, invalidArgument } from '@selfsup/tensors';

/**
 * ITU-R BT.601 luma weights (R, G, B), as torchvision's `rgb_to_grayscale`, PIL's `convert('L')` and
 * `readImage(..., { channels: 1 })` use.
 */
export const LUMA_WEIGHTS: readonly [number, number, number] = [0.299, 0.587, 0.114];

/** Checks an image batch: a float32 [N, H, W, C] tensor with C = 1 (grey) or 3 (RGB). */
export function assertImages(name: string, images: unknown): asserts images is tf.Tensor4D {
  assertShape(name, images, [null, null, null, null], { dtype: 'float32' });
  const c = images.shape[3];
  if (c !== 1 && c !== 3) invalidArgument(name, 'a [N, H, W, C] image batch with C = 1 (grey) or 3 (RGB)', images);
}

/** Per-sample scalars as a [N, 1, 1, 1] tensor, to broadcast against a [N, H, W, C] batch. */
export function perSample(values: ArrayLike<number>): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(values), [values.length, 1, 1, 1]);
}

/**
 * Mixes the channels of a batch by a C x C' matrix: out[..., j] = sum_i x[..., i] m[i][j]. One matMul over the
 * flattened pixels (wasm is much faster at this than at slicing or splitting the channel axis).
 */
export function mixChannels(images: tf.Tensor4D, matrix: readonly (readonly number[])[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = images.shape;
    const out = matrix[0]!.length;
    const flat = tf.reshape(images, [n * h * w, c]);
    return tf.reshape(tf.matMul(flat, tf.tensor2d(matrix as number[][], [c, out])), [n, h, w, out]) as tf.Tensor4D;
  });
}

/** Luma of a batch: [N, H, W, 1]. A grey batch is its own luma. */
export function luma(images: tf.Tensor4D): tf.Tensor4D {
  if (images.shape[3] === 1) return tf.clone(images);
  return mixChannels(images, LUMA_WEIGHTS.map((w) => [w]));
}

/**
 * Per-sample choice between two batches of the same shape: row i is `chosen[i]` where `mask[i]` is true, else
 * `other[i]`. Arithmetic (y m + x (1 - m) with m in {0, 1}: exact), because wasm's broadcasting `where` and `gather`
 * are several times slower.
 */
export function selectRows(mask: readonly boolean[], chosen: tf.Tensor4D, other: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const m = perSample(mask.map((b) => (b ? 1 : 0)));
    const notM = perSample(mask.map((b) => (b ? 0 : 1)));
    return tf.add(tf.mul(chosen, m), tf.mul(other, notM)) as tf.Tensor4D;
  });
}

/**
 * Rebuilds a batch from `base` (all N rows) and `replacements` (one row per index in `rows`, in that order):
 * row i of the result is `replacements[k]` when `rows[k] === i`, else `base[i]`. One concat and one gather.
 */
export function replaceRows(base: tf.Tensor, rows: readonly number[], replacements: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = base.shape[0] as number;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    rows.forEach((row, k) => {
      order[row] = n + k;
    });
    return tf.gather(tf.concat([base, replacements], 0), tf.tensor1d(order, 'int32'), 0);
  });
}

/** Validates a `[height, width]` output size. */
export function assertSize(name: string, size: unknown): asserts size is readonly [number, number] {
  if (
    !Array.isArray(size) ||
    size.length !== 2 ||
    !size.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 8192)
  ) {
    invalidArgument(name, 'a [height, width] pair of integers in [1, 8192]', size);
  }
}

/**
 * Standardises every image (patch, tile) of a batch on its own: zero mean and unit standard deviation over its pixels
 * and channels together. The epsilon keeps a constant image at 0 instead of dividing by 0.
 */
export function standardizeEach(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(images, [1, 2, 3], true);
    return tf.div(tf.sub(images, mean), tf.sqrt(tf.add(variance, 1e-6))) as tf.Tensor4D;
  });
}
