import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

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

/** Largest absolute difference between two tensors of the same shape. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => (a.size === 0 ? 0 : tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!));
}

/** |got - want| < tolerance * max(1, |want|): absolute near zero, relative for large values. */
export function expectRelClose(got: number, want: number, tolerance = 1e-3): void {
  expect(Math.abs(got - want)).toBeLessThan(tolerance * Math.max(1, Math.abs(want)));
}
