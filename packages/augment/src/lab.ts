import * as tf from '@tensorflow/tfjs-core';
import { assertTensor, invalidArgument } from '@selfsup/tensors';

/** sRGB (linear) to CIE XYZ, the matrix scikit-image uses (`xyz_from_rgb`). */
export const XYZ_FROM_RGB: readonly (readonly [number, number, number])[] = [
  [0.412453, 0.35758, 0.180423],
  [0.212671, 0.71516, 0.072169],
  [0.019334, 0.119193, 0.950227],
];

/** The D65 white point for the CIE 1931 2-degree observer, as scikit-image's `xyz_tristimulus_values('D65', '2')`. */
export const D65_WHITE: readonly [number, number, number] = [0.95047, 1.0, 1.08883];

function invert3(m: readonly (readonly number[])[]): number[][] {
  const [a, b, c] = m[0] as [number, number, number];
  const [d, e, f] = m[1] as [number, number, number];
  const [g, h, i] = m[2] as [number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/** CIE XYZ to linear sRGB: the inverse of {@link XYZ_FROM_RGB} (scikit-image's `rgb_from_xyz = inv(xyz_from_rgb)`). */
export const RGB_FROM_XYZ: readonly (readonly number[])[] = invert3(XYZ_FROM_RGB);

function assertColor(name: string, value: unknown): asserts value is tf.Tensor {
  assertTensor(name, value);
  if (value.rank < 1 || value.shape[value.rank - 1] !== 3 || value.dtype !== 'float32') {
    invalidArgument(name, 'a float32 tensor whose last dimension is 3 ([..., 3])', value);
  }
}

/** x @ M^T over the last axis of a [..., 3] tensor. */
function applyMatrix(x: tf.Tensor, m: readonly (readonly number[])[]): tf.Tensor {
  const flat = tf.reshape(x, [-1, 3]);
  const mt = tf.tensor2d([0, 1, 2].map((j) => [0, 1, 2].map((i) => m[i]![j]!)));
  return tf.reshape(tf.matMul(flat, mt), x.shape);
}

/**
 * sRGB in [0, 1] to CIE L*a*b* (D65, 2-degree observer), exactly as scikit-image's `rgb2lab`: the sRGB transfer curve
 * (linear below 0.04045, else ((c + 0.055) / 1.055)^2.4), `XYZ_FROM_RGB`, division by the D65 white, then
 * f(t) = t^(1/3) above 0.008856 and 7.787 t + 16/116 below; L = 116 f(Y) - 16 (in [0, 100]), a = 500 (f(X) - f(Y)),
 * b = 200 (f(Y) - f(Z)). Any shape [..., 3] (a batch [N, H, W, 3], a list of colors [M, 3]).
 */
export function rgbToLab<T extends tf.Tensor>(rgb: T): T {
  assertColor('rgb', rgb);
  return tf.tidy(() => {
    const linear = tf.where(
      tf.greater(rgb, 0.04045),
      tf.pow(tf.div(tf.add(tf.maximum(rgb, 0.04045), 0.055), 1.055), 2.4),
      tf.div(rgb, 12.92),
    );
    const xyz = tf.div(applyMatrix(linear, XYZ_FROM_RGB), tf.tensor1d(D65_WHITE as unknown as number[]));
    const f = tf.where(tf.greater(xyz, 0.008856), tf.pow(tf.maximum(xyz, 0.008856), 1 / 3), tf.add(tf.mul(xyz, 7.787), 16 / 116));
    // [fx, fy, fz] -> [116 fy - 16, 500 (fx - fy), 200 (fy - fz)]
    const lab = tf.add(
      applyMatrix(f, [
        [0, 116, 0],
        [500, -500, 0],
        [0, 200, -200],
      ]),
      tf.tensor1d([-16, 0, 0]),
    );
    return lab as T;
  });
}

/**
 * CIE L*a*b* (D65) back to sRGB in [0, 1], exactly as scikit-image's `lab2rgb`: f(Y) = (L + 16) / 116,
 * f(X) = a / 500 + f(Y), f(Z) = f(Y) - b / 200 (negative f(Z) clipped to 0), t = f^3 above 0.2068966 and
 * (f - 16/116) / 7.787 below, times the white point, `RGB_FROM_XYZ`, the inverse transfer curve, then clipping to
 * [0, 1] (out-of-gamut colors clip).
 */
export function labToRgb<T extends tf.Tensor>(lab: T): T {
  assertColor('lab', lab);
  return tf.tidy(() => {
    const f = tf.add(
      applyMatrix(lab, [
        [1 / 116, 1 / 500, 0],
        [1 / 116, 0, 0],
        [1 / 116, 0, -1 / 200],
      ]),
      tf.tensor1d([16 / 116, 16 / 116, 16 / 116]),
    );
    // scikit-image clips negative z (before the cube) to 0.
    const fClipped = clipZ(f);
    const t = tf.where(tf.greater(fClipped, 0.2068966), tf.pow(fClipped, 3), tf.div(tf.sub(fClipped, 16 / 116), 7.787));
    const linear = applyMatrix(tf.mul(t, tf.tensor1d(D65_WHITE as unknown as number[])), RGB_FROM_XYZ);
    const rgb = tf.where(
      tf.greater(linear, 0.0031308),
      tf.sub(tf.mul(tf.pow(tf.maximum(linear, 0.0031308), 1 / 2.4), 1.055), 0.055),
      tf.mul(linear, 12.92),
    );
    return tf.clipByValue(rgb, 0, 1) as T;
  });
}

function clipZ(f: tf.Tensor): tf.Tensor {
  // max(f, [-inf, -inf, 0]) along the last axis.
  return tf.maximum(f, tf.tensor1d([-Number.MAX_VALUE, -Number.MAX_VALUE, 0]));
}
