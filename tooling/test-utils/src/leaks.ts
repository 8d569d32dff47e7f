import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Runs `fn` and checks that it leaves no tensor behind besides the ones it returns (disposed here, in arrays and
 * objects too). An async `fn` is awaited: `await expectNoLeak(async () => ...)`.
 */
export function expectNoLeak(fn: () => Promise<unknown>): Promise<void>;
export function expectNoLeak(fn: () => unknown): void;
export function expectNoLeak(fn: () => unknown): void | Promise<void> {
  const before = tf.memory().numTensors;
  const check = (out: unknown) => {
    tf.dispose(out as tf.TensorContainer);
    expect(tf.memory().numTensors).toBe(before);
  };
  const out = fn();
  if (out instanceof Promise) return out.then(check);
  check(out);
}
