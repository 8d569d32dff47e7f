import * as tf from '@tensorflow/tfjs-core';
import { assertOptions, invalidArgument } from '@selfsup/tensors';
import { assertImages } from './images.js';
import { type ImageTransform, assertTransformInputs } from './pipeline.js';

export interface RandomAffineOptions {
  /** Rotation drawn uniformly from [-degrees, degrees] per sample. Default 0. */
  readonly degrees?: number;
  /** Horizontal shear angle drawn uniformly from [-shear, shear] degrees per sample (torchvision's x-shear). Default 0. */
  readonly shear?: number;
  /** Value outside the source image. Default 0 (the background of digits; torchvision's default fill). */
  readonly fill?: number;
}

/**
 * Rotates and shears each image about its centre by its own random angles, as torchvision's
 * `RandomAffine(degrees, shear=(-shear, shear))`: the small distortions of slant and stroke angle that separate one
 * writer's digits from another's (Simard et al. 2003 trained on affine-distorted MNIST). Bilinear sampling through
 * `tf.image.transform` (one op per batch), pixels from outside the image filled with `fill`. Draws two uniforms per
 * sample from the rng, angle then shear.
 */
export function randomAffine(options: RandomAffineOptions = {}): ImageTransform {
  assertOptions('options', options);
  const degrees = options.degrees ?? 0;
  const shear = options.shear ?? 0;
  const fill = options.fill ?? 0;
  for (const [name, value] of [
    ['options.degrees', degrees],
    ['options.shear', shear],
  ] as const) {
    if (typeof value !== 'number' || !(value >= 0 && value < 90)) invalidArgument(name, 'an angle in degrees in [0, 90)', value);
  }
  if (typeof fill !== 'number' || !Number.isFinite(fill)) invalidArgument('options.fill', 'a finite number', fill);
  return (images, rng) => {
    assertTransformInputs(images, rng);
    assertImages('images', images);
    const [n, h, w] = images.shape;
    if (n === 0) return tf.clone(images);
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    const toRadians = Math.PI / 180;
    const transforms = new Float32Array(8 * n);
    for (let i = 0; i < n; i++) {
      const theta = rng.uniform(-degrees, degrees) * toRadians;
      const phi = rng.uniform(-shear, shear) * toRadians;
      // Output p samples the source at c + A (p - c), A = R(theta) [[1, tan(phi)], [0, 1]]: the image is distorted by
      // A's inverse, a shear by -phi after a rotation by -theta; the angles' ranges are symmetric, so either way round.
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      const t = Math.tan(phi);
      const [a, b, c, d] = [cos, cos * t - sin, sin, sin * t + cos];
      transforms.set([a, b, cx - a * cx - b * cy, c, d, cy - c * cx - d * cy, 0, 0], 8 * i);
    }
    return tf.tidy(() => tf.image.transform(images, tf.tensor2d(transforms, [n, 8]), 'bilinear', 'constant', fill));
  };
}
