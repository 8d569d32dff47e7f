import * as tf from '@tensorflow/tfjs-core';
import { createRng, type Rng } from '@selfsup/tensors';
import { expect } from 'vitest';

/** A random batch in [0, 1) from a seeded generator. */
export function randomImages(rng: Rng, n: number, h: number, w: number, c = 3): tf.Tensor4D {
  return tf.tensor4d(rng.uniformArray(n * h * w * c), [n, h, w, c]);
}

export function seededImages(seed: number, n: number, h: number, w: number, c = 3): tf.Tensor4D {
  return randomImages(createRng(seed), n, h, w, c);
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

/** Pixel (n, y, x, c) of a [N, H, W, C] value array. */
export function pixel(values: ArrayLike<number>, shape: readonly number[], n: number, y: number, x: number, c: number): number {
  const [, h, w, ch] = shape as [number, number, number, number];
  return values[((n * h + y) * w + x) * ch + c] as number;
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

/** Python's colorsys.rgb_to_hsv (hue in turns). */
export function referenceRgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  if (maxc === minc) return [0, 0, maxc];
  const s = (maxc - minc) / maxc;
  const rc = (maxc - r) / (maxc - minc);
  const gc = (maxc - g) / (maxc - minc);
  const bc = (maxc - b) / (maxc - minc);
  let h: number;
  if (r === maxc) h = bc - gc;
  else if (g === maxc) h = 2 + rc - bc;
  else h = 4 + gc - rc;
  return [(((h / 6) % 1) + 1) % 1, s, maxc];
}

/** Python's colorsys.hsv_to_rgb. */
export function referenceHsvToRgb(h: number, s: number, v: number): [number, number, number] {
  if (s === 0) return [v, v, v];
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

/** Applies a per-pixel function to every pixel of a [N, H, W, C] value array. */
export function mapPixels(values: ArrayLike<number>, channels: number, fn: (px: number[], index: number) => number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let p = 0; p < values.length / channels; p++) {
    const px = Array.from({ length: channels }, (_, c) => values[p * channels + c] as number);
    out.set(fn(px, p), p * channels);
  }
  return out;
}
