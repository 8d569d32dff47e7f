import * as tf from '@tensorflow/tfjs-core';
import { rgbToLab } from '@selfsup/augment';
import { assertFiniteNumber, assertInteger, assertShape, assertTensor, invalidArgument } from '@selfsup/tensors';

/** Lightness L* in [0, 100] and chroma a*, b* of a batch. */
export interface LabChannels {
  /** [N, H, W, 1], L* in [0, 100]. */
  readonly lightness: tf.Tensor4D;
  /** [N, H, W, 2], a* and b* (roughly [-110, 110]). */
  readonly ab: tf.Tensor4D;
}

/** Checks an image batch for the color tasks: float32 [N, H, W, C] with C = 3 (RGB) or 1 (grey). */
export function assertColorImages(name: string, images: unknown): asserts images is tf.Tensor4D {
  assertShape(name, images, [null, null, null, null], { dtype: 'float32' });
  const c = images.shape[3];
  if (c !== 1 && c !== 3) invalidArgument(name, 'a [N, H, W, C] image batch in [0, 1] with C = 3 (RGB) or 1 (grey)', images);
}

/**
 * Splits an sRGB batch in [0, 1] into L* and a*b* (CIE Lab, D65, as `rgbToLab`). A grey batch (C = 1) is read as
 * R = G = B: its L* is the grey's lightness and its ab is zero.
 */
export function splitLab(images: tf.Tensor4D): LabChannels {
  assertColorImages('images', images);
  return tf.tidy(() => {
    const rgb = images.shape[3] === 1 ? tf.tile(images, [1, 1, 1, 3]) : images;
    const lab = rgbToLab(tf.clipByValue(rgb, 0, 1) as tf.Tensor4D);
    const [lightness, ab] = tf.split(lab, [1, 2], 3) as [tf.Tensor4D, tf.Tensor4D];
    return { lightness, ab };
  });
}

/** The scale of network inputs: L* / 50 - 1 maps [0, 100] to [-1, 1]. */
export function normalizeLightness(lightness: tf.Tensor): tf.Tensor {
  assertTensor('lightness', lightness);
  return tf.tidy(() => tf.sub(tf.div(lightness, 50), 1));
}

/** a*b* / 110 maps the sRGB gamut's chroma into about [-1, 1] (network inputs and regression targets). */
export const AB_SCALE = 110;

export function normalizeAb(ab: tf.Tensor): tf.Tensor {
  assertTensor('ab', ab);
  return tf.tidy(() => tf.div(ab, AB_SCALE));
}

/**
 * Per-image inclusion mask for the color losses: 1 where some pixel's chroma sqrt(a^2 + b^2) reaches `threshold`,
 * 0 for images that are grey (near-zero ab) everywhere, which Zhang et al. (2016) leave out of training.
 * ab [N, H, W, 2] -> [N] float32.
 */
export function chromaMask(ab: tf.Tensor4D, threshold: number): tf.Tensor1D {
  assertShape('ab', ab, [null, null, null, 2], { dtype: 'float32' });
  assertFiniteNumber('threshold', threshold);
  if (threshold < 0) invalidArgument('threshold', 'a finite number >= 0', threshold);
  return tf.tidy(() => {
    const chroma = tf.sqrt(tf.sum(tf.square(ab), 3));
    return tf.cast(tf.greaterEqual(tf.max(chroma, [1, 2]), threshold), 'float32') as tf.Tensor1D;
  });
}

/**
 * Resizes a batch to `size`: an exact average over blocks when the sides divide (as Zhang et al. average the targets
 * down to the prediction's resolution), bilinear (half-pixel centres) otherwise.
 */
export function downsampleTo(images: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  assertShape('images', images, [null, null, null, null], { dtype: 'float32' });
  if (!Array.isArray(size) || size.length !== 2) invalidArgument('size', 'a [height, width] pair', size);
  assertInteger('size[0]', size[0], 1);
  assertInteger('size[1]', size[1], 1);
  const [, h, w] = images.shape;
  const [th, tw] = size;
  return tf.tidy(() => {
    if (th === h && tw === w) return tf.clone(images);
    if (h % th === 0 && w % tw === 0) return tf.avgPool(images, [h / th, w / tw], [h / th, w / tw], 'valid');
    return tf.image.resizeBilinear(images, [th, tw], false, true);
  });
}

/** @deprecated use `assertColorImages`. */
export const assertColourImages = assertColorImages;
