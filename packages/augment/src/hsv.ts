import * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/tensors';
import { assertImages, mixChannels } from './images.js';

function assertRgb(name: string, images: unknown): asserts images is tf.Tensor4D {
  assertImages(name, images);
  if (images.shape[3] !== 3) invalidArgument(name, 'an RGB batch [N, H, W, 3]', images);
}

/** Hue in [0, 1) (0 for greys), saturation and value of an RGB batch, each [N, H, W, 1] (torchvision's `_rgb2hsv`). */
function hsvParts(images: tf.Tensor4D): { h: tf.Tensor4D; s: tf.Tensor4D; v: tf.Tensor4D } {
  // Channel extraction by matMul: wasm's split and strided slice are slow on the channel axis.
  const [r, g, b] = [0, 1, 2].map((k) => mixChannels(images, [0, 1, 2].map((i) => [i === k ? 1 : 0]))) as [
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor4D,
  ];
  const maxc = tf.max(images, 3, true) as tf.Tensor4D;
  const minc = tf.min(images, 3, true);
  const chroma = tf.sub(maxc, minc);
  const grey = tf.equal(maxc, minc);
  const ones = tf.onesLike(maxc);
  const s = tf.div(chroma, tf.where(grey, ones, maxc)) as tf.Tensor4D;
  const divisor = tf.where(grey, ones, chroma);
  // torchvision's rc, gc, bc = (max - channel) / chroma enter only as differences: bc - gc = (g - b) / chroma, ...
  const h6 = tf.where(
    tf.equal(maxc, r),
    tf.div(tf.sub(g, b), divisor),
    tf.where(tf.equal(maxc, g), tf.add(2, tf.div(tf.sub(b, r), divisor)), tf.add(4, tf.div(tf.sub(r, g), divisor))),
  );
  const h = tf.mod(tf.add(tf.div(h6, 6), 1), 1) as tf.Tensor4D;
  return { h, s, v: maxc };
}

/** RGB from hue (in turns), saturation and value, branch-free: c_n = v - v s clip(min(k, 4 - k), 0, 1), k = (n + 6h) mod 6. */
function rgbFromParts(h: tf.Tensor4D, s: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const k = tf.mod(tf.add(tf.mul(h, 6), tf.tensor1d([5, 3, 1])), 6);
  const ramp = tf.clipByValue(tf.minimum(k, tf.sub(4, k)), 0, 1);
  return tf.sub(v, tf.mul(tf.mul(v, s), ramp)) as tf.Tensor4D;
}

/** RGB [N, H, W, 3] in [0, 1] to HSV [N, H, W, 3]: hue in [0, 1) (turns), saturation and value in [0, 1]. */
export function rgbToHsv(images: tf.Tensor4D): tf.Tensor4D {
  assertRgb('images', images);
  return tf.tidy(() => {
    const { h, s, v } = hsvParts(images);
    return tf.concat([h, s, v], 3) as tf.Tensor4D;
  });
}

/** HSV [N, H, W, 3] (hue in turns) back to RGB [N, H, W, 3]. */
export function hsvToRgb(hsv: tf.Tensor4D): tf.Tensor4D {
  assertRgb('hsv', hsv);
  return tf.tidy(() => {
    const [h, s, v] = [0, 1, 2].map((k) => mixChannels(hsv, [0, 1, 2].map((i) => [i === k ? 1 : 0]))) as [
      tf.Tensor4D,
      tf.Tensor4D,
      tf.Tensor4D,
    ];
    return rgbFromParts(h, s, v);
  });
}

/** Rotates the hue of each sample by `shift` turns ([N, 1, 1, 1] or scalar), through HSV. */
export function shiftHue(images: tf.Tensor4D, shift: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const { h, s, v } = hsvParts(images);
    return rgbFromParts(tf.mod(tf.add(h, shift), 1) as tf.Tensor4D, s, v);
  });
}
