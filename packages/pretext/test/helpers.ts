// pretext's own test helpers; the ones every package's tests use are in @selfsup/test-utils.
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';

/**
 * Smooth, structured images (sums of random low-frequency sinusoids per channel, in [0, 1]): what the tasks need to be
 * learnable and what bilinear resampling keeps almost intact.
 */
export function smoothImages(seed: number, n: number, h: number, w: number, c = 3): tf.Tensor4D {
  const rng = createRng(seed);
  const data = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const waves = Array.from({ length: 3 }, () => ({
        fy: rng.uniform(0.5, 2) / h,
        fx: rng.uniform(0.5, 2) / w,
        phase: rng.uniform(0, 2 * Math.PI),
        amp: rng.uniform(0.1, 0.2),
      }));
      const offset = rng.uniform(0.3, 0.7);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let v = offset;
          for (const wv of waves) v += wv.amp * Math.sin(2 * Math.PI * (wv.fy * y + wv.fx * x) + wv.phase);
          data[((i * h + y) * w + x) * c + ch] = Math.min(1, Math.max(0, v));
        }
      }
    }
  }
  return tf.tensor4d(data, [n, h, w, c]);
}

/** A scalar tensor's value. */
export function value(t: tf.Tensor): number {
  return t.dataSync()[0]!;
}
