import * as tf from '@tensorflow/tfjs-core';
import { assertOneOf } from '@selfsup/tensors';

/**
 * Element-wise non-linearities. `gelu` is the exact form x * Phi(x) (Hendrycks & Gimpel 2016), as PyTorch's default;
 * `leakyRelu` has slope 0.01 (PyTorch's default); `linear` is the identity.
 */
export const ACTIVATIONS = ['relu', 'leakyRelu', 'elu', 'gelu', 'tanh', 'sigmoid', 'linear'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export function assertActivation(name: string, value: unknown): asserts value is ActivationName {
  assertOneOf(name, value, ACTIVATIONS);
}

/** Applies the named activation. */
export function activate<T extends tf.Tensor>(x: T, activation: ActivationName): T {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, 0.01);
    case 'elu':
      return tf.elu(x);
    case 'gelu':
      return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'linear':
      return tf.clone(x);
  }
}
