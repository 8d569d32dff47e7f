// A simple seeded augmentation for method tests (the real pipelines come from @selfsup/augment):
// a random shift of up to `maxShift` pixels (pad and crop) and Gaussian noise.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@selfsup/tensors';

export function shiftAndNoise(maxShift = 3, noise = 0.1) {
  return (images: tf.Tensor4D, rng: Rng): tf.Tensor4D =>
    tf.tidy(() => {
      const [n, h, w, c] = images.shape;
      const padded = tf.pad(images, [[0, 0], [maxShift, maxShift], [maxShift, maxShift], [0, 0]]);
      const shifted = Array.from({ length: n }, (_, i) => {
        const dy = rng.int(0, 2 * maxShift + 1);
        const dx = rng.int(0, 2 * maxShift + 1);
        return tf.slice(padded, [i, dy, dx, 0], [1, h, w, c]);
      });
      const jitter = tf.randomNormal([n, h, w, c], 0, noise, 'float32', rng.seed());
      return tf.clipByValue(tf.add(tf.concat(shifted, 0), jitter), 0, 1) as tf.Tensor4D;
    });
}
