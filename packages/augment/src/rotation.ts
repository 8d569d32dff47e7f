import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertRng, invalidArgument, type Rng } from '@selfsup/tensors';
import { assertImages } from './images.js';

function rotateOnce(images: tf.Tensor4D, k: number): tf.Tensor4D {
  switch (((k % 4) + 4) % 4) {
    case 0:
      return tf.clone(images);
    case 1:
      // out[i][j] = in[j][W-1-i]: transpose, then reverse the rows.
      return tf.reverse(tf.transpose(images, [0, 2, 1, 3]), 1);
    case 2:
      return tf.reverse(images, [1, 2]);
    default:
      // out[i][j] = in[H-1-j][i]: transpose, then reverse the columns.
      return tf.reverse(tf.transpose(images, [0, 2, 1, 3]), 2);
  }
}

/**
 * Rotates by k quarter turns counter-clockwise (as `numpy.rot90(image, k)`), exactly: a transpose and a reversal.
 * `k` is one integer for the whole batch (any integer, taken mod 4; a non-square batch comes back [N, W, H, C] for odd
 * k), or one per sample (then the images must be square).
 */
export function rotate90(images: tf.Tensor4D, k: number | readonly number[]): tf.Tensor4D {
  assertImages('images', images);
  if (typeof k === 'number') {
    assertInteger('k', k);
    return tf.tidy(() => rotateOnce(images, k));
  }
  const [n, h, w] = images.shape;
  if (!Array.isArray(k) || k.length !== n) invalidArgument('k', `an integer or ${n} integers (one per sample)`, k);
  k.forEach((v, i) => assertInteger(`k[${i}]`, v));
  if (h !== w) invalidArgument('images', 'square images for per-sample rotations', images);
  return tf.tidy(() => {
    const all = tf.stack([0, 1, 2, 3].map((q) => rotateOnce(images, q)), 1); // [N, 4, H, W, C]
    const rows = Int32Array.from(k, (v, i) => i * 4 + (((v % 4) + 4) % 4));
    return tf.gather(tf.reshape(all, [n * 4, h, w, images.shape[3]]), tf.tensor1d(rows, 'int32'), 0) as tf.Tensor4D;
  });
}

/** A RotNet batch: the rotated images and their labels (k = 0..3 quarter turns counter-clockwise). */
export interface RotNetBatch {
  /** [4N, H, W, C]: image i's four rotations at rows 4i..4i+3, in the order 0, 90, 180, 270 degrees. */
  readonly images: tf.Tensor4D;
  /** [4N] int32: 0, 1, 2, 3, 0, 1, 2, 3, ... */
  readonly labels: tf.Tensor1D;
}

/**
 * The RotNet pretext batch (Gidaris, Singh, Komodakis 2018, "Unsupervised Representation Learning by Predicting Image
 * Rotations"): every image contributes all four rotations, kept together image by image, as the paper found training
 * on all four rotations of an image in the same batch works best. Square images only.
 */
export function rotNetBatch(images: tf.Tensor4D): RotNetBatch {
  assertImages('images', images);
  const [n, h, w, c] = images.shape;
  if (h !== w) invalidArgument('images', 'square images (H = W) so that all four rotations share a shape', images);
  if (n === 0) invalidArgument('images', 'a non-empty batch', images);
  return tf.tidy(() => {
    const all = tf.stack([0, 1, 2, 3].map((q) => rotateOnce(images, q)), 1);
    const labels = new Int32Array(4 * n);
    for (let i = 0; i < 4 * n; i++) labels[i] = i % 4;
    return { images: tf.reshape(all, [4 * n, h, w, c]) as tf.Tensor4D, labels: tf.tensor1d(labels, 'int32') };
  });
}

export interface RotateOptions {
  /** Value outside the source image. Default 0. */
  readonly fill?: number;
  /** Default 'bilinear'. */
  readonly interpolation?: 'bilinear' | 'nearest';
  /**
   * Zoom in just enough that no fill shows (the rotated frame stays inside the source), removing the corner cue a
   * network could read the angle from. Default false.
   */
  readonly zoomToFit?: boolean;
}

/**
 * Rotates each image counter-clockwise by its angle in radians about the image centre (`tf.image.transform`, one
 * projective transform per sample, so the whole batch is one op). Quarter turns match {@link rotate90}.
 */
export function rotateImages(images: tf.Tensor4D, angles: number | readonly number[], options: RotateOptions = {}): tf.Tensor4D {
  assertImages('images', images);
  assertOptions('options', options);
  const [n, h, w] = images.shape;
  const list = typeof angles === 'number' ? new Array<number>(n).fill(angles) : angles;
  if (!Array.isArray(list) || list.length !== n || list.some((a) => typeof a !== 'number' || !Number.isFinite(a))) {
    invalidArgument('angles', `a finite number or ${n} of them (radians, one per sample)`, angles);
  }
  const fill = options.fill ?? 0;
  if (typeof fill !== 'number' || !Number.isFinite(fill)) invalidArgument('options.fill', 'a finite number', fill);
  const interpolation = options.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
    invalidArgument('options.interpolation', '"bilinear" or "nearest"', interpolation);
  }
  const zoom = options.zoomToFit ?? false;
  if (n === 0) return tf.clone(images);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const transforms = new Float32Array(8 * n);
  list.forEach((theta, i) => {
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    // The largest frame that stays inside the source after rotation: scale s so that the rotated w x h box fits.
    const s = zoom ? Math.max((Math.abs(cos) * w + Math.abs(sin) * h) / w, (Math.abs(sin) * w + Math.abs(cos) * h) / h) : 1;
    // Output (x, y) samples the source at c + R(theta) (p - c) / s.
    transforms.set([cos / s, -sin / s, cx - (cos * cx - sin * cy) / s, sin / s, cos / s, cy - (sin * cx + cos * cy) / s, 0, 0], 8 * i);
  });
  return tf.tidy(() => tf.image.transform(images, tf.tensor2d(transforms, [n, 8]), interpolation, 'constant', fill));
}

/** Images rotated by random angles, with the angles as regression targets. */
export interface RotationRegressionBatch {
  readonly images: tf.Tensor4D;
  /** [N] float32, radians counter-clockwise. */
  readonly angles: tf.Tensor1D;
}

/**
 * The continuous-angle variant of RotNet for regression: each image is rotated by an angle drawn uniformly from
 * `range` (radians, default [-pi, pi)). Use `zoomToFit` to hide the corners.
 */
export function rotationRegressionBatch(
  images: tf.Tensor4D,
  rng: Rng,
  options: RotateOptions & { readonly range?: readonly [number, number] } = {},
): RotationRegressionBatch {
  assertImages('images', images);
  assertRng('rng', rng);
  assertOptions('options', options);
  const range = options.range ?? [-Math.PI, Math.PI];
  if (!Array.isArray(range) || range.length !== 2 || !(range[0] <= range[1]) || !range.every(Number.isFinite)) {
    invalidArgument('options.range', 'a finite [low, high] range of radians', range);
  }
  const angles = Array.from({ length: images.shape[0] }, () => rng.uniform(range[0], range[1]));
  const { range: _range, ...rotateOptions } = options;
  return { images: rotateImages(images, angles, rotateOptions), angles: tf.tensor1d(angles, 'float32') };
}
