import * as tf from '@tensorflow/tfjs-core';
import { createRng, type Rng } from '@selfsup/tensors';

/** A random [n, h, w, c] batch in [0, 1) from a seeded generator. */
export function randomImages(rng: Rng, n: number, h: number, w: number, c = 3): tf.Tensor4D {
  return tf.tensor4d(rng.uniformArray(n * h * w * c), [n, h, w, c]);
}

/** `randomImages` from a fresh generator with this seed. */
export function seededImages(seed: number, n: number, h: number, w: number, c = 3): tf.Tensor4D {
  return randomImages(createRng(seed), n, h, w, c);
}
