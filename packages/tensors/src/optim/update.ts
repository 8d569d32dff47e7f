import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../contracts.js';
import { namedVariable } from '../variables.js';

/** One zero-initialised, non-trainable slot per parameter, named "optimizer/<param>/<slot>". */
export function slotVariables(params: readonly NamedVariable[], slot: string): NamedVariable[] {
  return params.map((p) => namedVariable(`optimizer/${p.name}/${slot}`, tf.zerosLike(p.variable), false));
}

/** Runs `update` (inside one tidy) for each parameter that has a gradient; `grads[i]` belongs to `params[i]`. */
export function forEachGradient(
  params: readonly NamedVariable[],
  grads: readonly tf.Tensor[],
  update: (param: NamedVariable, grad: tf.Tensor, index: number) => void,
): void {
  tf.tidy(() => {
    params.forEach((p, i) => {
      const g = grads[i];
      if (g === undefined) return;
      update(p, g, i);
    });
  });
}

/** The gradient with L2 weight decay added (g + wd * w); `grad` itself when the decay is 0. */
export function withL2Decay(grad: tf.Tensor, param: tf.Variable, weightDecay: number): tf.Tensor {
  return weightDecay > 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
}

/** PyTorch's momentum buffer update v = mu * v + g, stored in `velocity`; returns the new v. */
export function momentumUpdate(velocity: tf.Variable, grad: tf.Tensor, momentum: number): tf.Tensor {
  const next = tf.add(tf.mul(velocity, momentum), grad);
  velocity.assign(next);
  return next;
}
