import * as tf from '@tensorflow/tfjs-core';
import { assertRank, invalidArgument } from '@selfsup/tensors';

/*
 * sRGB (D65) <-> CIE Lab, the convention of skimage.color: L in [0, 100], a and b roughly in [-128, 127].
 * Private stand-in until @selfsup/augment's rgbToLab / labToRgb land on main.
 */

const WHITE = [0.95047, 1, 1.08883] as const;
const RGB_TO_XYZ = [
  [0.412453, 0.35758, 0.180423],
  [0.212671, 0.71516, 0.072169],
  [0.019334, 0.119193, 0.950227],
];
const XYZ_TO_RGB = [
  [3.24048134, -1.53715152, -0.49853633],
  [-0.96925495, 1.87599, 0.04155593],
  [0.05564664, -0.20404134, 1.05731107],
];
const EPS = 216 / 24389;
const KAPPA = 24389 / 27;

function assertChannels(name: string, x: tf.Tensor, c: number): void {
  assertRank(name, x, [1, 2, 3, 4, 5]);
  if (x.shape[x.rank - 1] !== c) invalidArgument(name, `a tensor whose last dimension is ${c}`, x);
}

/** [..., 3] matrix product with a 3x3 matrix, along the last axis. */
function mix(x: tf.Tensor, m: readonly (readonly number[])[]): tf.Tensor {
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, 3]);
  return tf.reshape(tf.matMul(flat, tf.tensor2d(m.flat(), [3, 3]), false, true), shape);
}

/** sRGB in [0, 1] ([..., 3]) to Lab ([..., 3]): L in [0, 100]. */
export function rgbToLab<T extends tf.Tensor>(rgb: T): T {
  assertChannels('rgb', rgb, 3);
  return tf.tidy(() => {
    const c = tf.clipByValue(rgb, 0, 1);
    const linear = tf.where(tf.greater(c, 0.04045), tf.pow(tf.div(tf.add(c, 0.055), 1.055), 2.4), tf.div(c, 12.92));
    const xyz = tf.div(mix(linear, RGB_TO_XYZ), tf.tensor1d([...WHITE]));
    const f = tf.where(tf.greater(xyz, EPS), tf.pow(tf.maximum(xyz, EPS), 1 / 3), tf.div(tf.add(tf.mul(xyz, KAPPA), 16), 116));
    const [fx, fy, fz] = tf.split(f, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const l = tf.sub(tf.mul(fy, 116), 16);
    const a = tf.mul(tf.sub(fx, fy), 500);
    const b = tf.mul(tf.sub(fy, fz), 200);
    return tf.concat([l, a, b], -1) as T;
  });
}

/** Lab ([..., 3], L in [0, 100]) to sRGB in [0, 1] ([..., 3]), clipped to the gamut. */
export function labToRgb<T extends tf.Tensor>(lab: T): T {
  assertChannels('lab', lab, 3);
  return tf.tidy(() => {
    const [l, a, b] = tf.split(lab, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const fy = tf.div(tf.add(l, 16), 116);
    const fx = tf.add(fy, tf.div(a, 500));
    const fz = tf.sub(fy, tf.div(b, 200));
    const f = tf.concat([fx, fy, fz], -1);
    const cube = tf.pow(f, 3);
    const xyz = tf.mul(tf.where(tf.greater(cube, EPS), cube, tf.div(tf.sub(tf.mul(f, 116), 16), KAPPA)), tf.tensor1d([...WHITE]));
    const linear = tf.clipByValue(mix(xyz, XYZ_TO_RGB), 0, 1);
    const srgb = tf.where(
      tf.greater(linear, 0.0031308),
      tf.sub(tf.mul(tf.pow(tf.maximum(linear, 0.0031308), 1 / 2.4), 1.055), 0.055),
      tf.mul(linear, 12.92),
    );
    return tf.clipByValue(srgb, 0, 1) as T;
  });
}
