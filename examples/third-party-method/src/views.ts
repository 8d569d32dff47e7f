import * as tf from '@tensorflow/tfjs-core';
import { assertInRange, assertRank, type Rng } from '@selfsup/tensors';

/** Two random views of a batch of images. */
export type ViewPair = (images: tf.Tensor4D, rng: Rng) => [tf.Tensor4D, tf.Tensor4D];

export interface CropFlipNoiseOptions {
  /** Smallest side of the random crop, as a fraction of the image side. Default 0.6. */
  readonly minScale?: number;
  /** Standard deviation of the added Gaussian noise. Default 0.05. */
  readonly noise?: number;
}

/**
 * A deliberately small augmentation written with tfjs-core alone (no @selfsup/augment): a random crop resized back
 * to the input size, a random horizontal flip, a brightness shift and Gaussian noise, each drawn per image from `rng`.
 */
export function cropFlipNoise(options: CropFlipNoiseOptions = {}): ViewPair {
  const minScale = options.minScale ?? 0.6;
  const noise = options.noise ?? 0.05;
  assertInRange('options.minScale', minScale, 0.1, 1);
  assertInRange('options.noise', noise, 0, 1);
  const view = (images: tf.Tensor4D, rng: Rng): tf.Tensor4D =>
    tf.tidy(() => {
      assertRank('images', images, 4);
      const [n, h, w] = images.shape;
      const boxes: number[] = [];
      const flips: number[] = [];
      const shifts: number[] = [];
      for (let i = 0; i < n; i++) {
        const scale = rng.uniform(minScale, 1);
        const top = rng.uniform(0, 1 - scale);
        const left = rng.uniform(0, 1 - scale);
        const flip = rng.bernoulli(0.5);
        // A flipped box (x1 > x2) makes cropAndResize mirror the crop: flip and crop in one op.
        boxes.push(top, flip ? left + scale : left, top + scale, flip ? left : left + scale);
        flips.push(flip ? 1 : 0);
        shifts.push(rng.uniform(-0.15, 0.15));
      }
      const boxIndices = tf.range(0, n, 1, 'int32') as tf.Tensor1D;
      const cropped = tf.image.cropAndResize(images, tf.tensor2d(boxes, [n, 4]), boxIndices, [h, w]);
      const shifted = tf.add(cropped, tf.reshape(tf.tensor1d(shifts), [n, 1, 1, 1]));
      const noisy = tf.add(shifted, tf.randomNormal(cropped.shape, 0, noise, 'float32', rng.seed()));
      return tf.clipByValue(noisy, 0, 1) as tf.Tensor4D;
    });
  return (images, rng) => [view(images, rng), view(images, rng)];
}
