import * as tf from '@tensorflow/tfjs-core';
import { assertTensor } from '@selfsup/tensors';

// tfjs-core has no stop-gradient op: an identity whose gradient is zero does the job inside any tape.
const identityWithoutGradient = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = inputs[0] as tf.Tensor;
  // The upstream gradient has x's shape; x itself may be gone (tidied) by the time gradients run.
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.zerosLike(Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy)] };
});

/**
 * The value of `x`, through which no gradient flows (PyTorch's `x.detach()`, TensorFlow's `tf.stop_gradient`).
 * SimSiam's and BYOL's targets go through it.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  assertTensor('x', x);
  return identityWithoutGradient(x) as T;
}
