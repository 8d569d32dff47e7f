import * as tf from '@tensorflow/tfjs-core';
import { type Rng, createRng } from '@selfsup/tensors';
import { expect } from 'vitest';

/** A random batch in [0, 1) from a seeded generator. */
export function randomImages(rng: Rng, n: number, h: number, w: number, c = 3): tf.Tensor4D {
  return tf.tensor4d(rng.uniformArray(n * h * w * c), [n, h, w, c]);
}

export function seededImages(seed: number, n: number, h: number, w: number, c = 3): tf.Tensor4D {
  return randomImages(createRng(seed), n, h, w, c);
}

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

/** Runs `fn` and checks that it leaves no tensor behind besides the ones it returns (which are disposed here). */
export function expectNoLeak(fn: () => tf.TensorContainer): void {
  const before = tf.memory().numTensors;
  const out = fn();
  tf.dispose(out);
  expect(tf.memory().numTensors).toBe(before);
}

/** Largest absolute difference between two tensors of the same shape. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => (a.size === 0 ? 0 : tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!));
}

/** Expects a SelfsupError with code INVALID_ARGUMENT whose message mentions `fragment`. */
export function expectInvalid(fn: () => unknown, fragment: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a SelfsupError').toBeInstanceOf(Error);
  expect((caught as { code?: string }).code).toBe('INVALID_ARGUMENT');
  expect((caught as Error).message).toContain(fragment);
}

/** A scalar tensor's value. */
export function value(t: tf.Tensor): number {
  return t.dataSync()[0]!;
}
