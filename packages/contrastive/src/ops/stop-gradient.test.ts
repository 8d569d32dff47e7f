import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { stopGradient } from './stop-gradient.js';

describe('stopGradient', () => {
  it('passes the value and blocks the gradient, inside tidy and variableGrads', () => {
    const x = tf.variable(tf.tensor1d([1, 2, 3]));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() => tf.sum(tf.add(tf.square(x), tf.mul(stopGradient(tf.square(x)), x))) as tf.Scalar),
    );
    // d/dx [x^2 + sg(x^2) x] = 2x + x^2
    expect(Array.from(grads[x.name]!.dataSync())).toEqual([3, 8, 15]);
    expect(value.dataSync()[0]).toBeCloseTo(14 + 36, 5);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(() => stopGradient(3 as unknown as tf.Tensor)).toThrow(/x must be a tensor/);
  });
});
