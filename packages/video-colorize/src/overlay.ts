import * as tf from '@tensorflow/tfjs-core';
import { assertInRange, assertOptions, assertShape, imageGrid, invalidArgument } from '@selfsup/tensors';

/** Distinct colors for object ids 1, 2, ... (id 0, the background, is left untinted). */
export const OBJECT_COLORS: readonly (readonly [number, number, number])[] = [
  [0.9, 0.1, 0.1],
  [0.1, 0.8, 0.1],
  [0.15, 0.35, 1],
  [1, 0.85, 0],
  [0.9, 0.2, 0.9],
  [0, 0.9, 0.9],
  [1, 0.5, 0],
  [0.6, 0.3, 0.1],
];

export interface OverlayOptions {
  /** Opacity of the tint inside objects. Default 0.45. Boundaries are drawn opaque. */
  readonly alpha?: number;
}

/**
 * Tints every object of a label video ([T, H, W] int32 ids) over its frames ([T, H, W, 3] or [T, H, W, 1] in [0, 1])
 * and draws the object boundaries: a [T, H, W, 3] picture.
 */
export function overlayMasks(frames: tf.Tensor4D, masks: tf.Tensor3D, options: OverlayOptions = {}): tf.Tensor4D {
  assertShape('frames', frames, [null, null, null, null], { nonEmpty: true });
  const [t, h, w, c] = frames.shape;
  if (c !== 1 && c !== 3) invalidArgument('frames', 'a [T, H, W, 1] or [T, H, W, 3] tensor', frames);
  assertShape('masks', masks, [t, h, w]);
  assertOptions('options', options);
  const alpha = options.alpha ?? 0.45;
  assertInRange('options.alpha', alpha, 0, 1);
  return tf.tidy(() => {
    const ids = tf.cast(masks, 'int32');
    const maxId = tf.max(ids).dataSync()[0] as number;
    if (maxId < 0) invalidArgument('masks', 'non-negative object ids', maxId);
    const table = [[0, 0, 0], ...Array.from({ length: maxId }, (_, i) => OBJECT_COLORS[i % OBJECT_COLORS.length] as readonly number[])];
    const colors = tf.reshape(
      tf.matMul(tf.cast(tf.equal(tf.reshape(ids, [-1, 1]), tf.range(0, maxId + 1, 1, 'int32')), 'float32'), tf.tensor2d(table.flat(), [maxId + 1, 3])),
      [t, h, w, 3],
    );
    const rgb = c === 3 ? frames : tf.tile(frames, [1, 1, 1, 3]);
    // A boundary pixel differs from its right or lower neighbour (the last column and row compare with themselves).
    const rightIds = tf.concat([tf.slice(ids, [0, 0, 1], [t, h, w - 1]), tf.slice(ids, [0, 0, w - 1], [t, h, 1])], 2);
    const downIds = tf.concat([tf.slice(ids, [0, 1, 0], [t, h - 1, w]), tf.slice(ids, [0, h - 1, 0], [t, 1, w])], 1);
    const boundary = tf.logicalOr(tf.notEqual(ids, rightIds), tf.notEqual(ids, downIds));
    const opacity = tf.where(boundary, tf.ones([t, h, w]), tf.mul(tf.cast(tf.greater(ids, 0), 'float32'), alpha));
    // A boundary pixel takes the color of the object on either side (the larger id, so never the background's none).
    const edgeIds = tf.maximum(ids, tf.maximum(rightIds, downIds));
    const edgeColors = tf.reshape(
      tf.matMul(tf.cast(tf.equal(tf.reshape(edgeIds, [-1, 1]), tf.range(0, maxId + 1, 1, 'int32')), 'float32'), tf.tensor2d(table.flat(), [maxId + 1, 3])),
      [t, h, w, 3],
    );
    const tint = tf.where(tf.expandDims(boundary, 3), edgeColors, colors);
    const a = tf.expandDims(opacity, 3);
    return tf.add(tf.mul(rgb, tf.sub(1, a)), tf.mul(tint, a)) as tf.Tensor4D;
  });
}

/** Lays out several equally shaped [T, H, W, C] videos as rows of a picture ([rows x H, T x W, C], padded). */
export function videoStrip(rows: readonly tf.Tensor4D[], options: { readonly padding?: number } = {}): tf.Tensor3D {
  if (!Array.isArray(rows) || rows.length === 0) invalidArgument('rows', 'a non-empty array of [T, H, W, C] videos', rows);
  const first = rows[0] as tf.Tensor4D;
  assertShape('rows[0]', first, [null, null, null, null], { nonEmpty: true });
  rows.forEach((r, i) => assertShape(`rows[${i}]`, r, [...first.shape]));
  return tf.tidy(() => imageGrid(tf.concat(rows, 0) as tf.Tensor4D, first.shape[0], { padding: options.padding ?? 2 }));
}

/** @deprecated use `OBJECT_COLORS`. */
export const OBJECT_COLOURS = OBJECT_COLORS;
