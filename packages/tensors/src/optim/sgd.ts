import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../contracts.js';
import { assertInRange, assertNamedVariables, assertNonNegative, assertOptions } from '../validate.js';
import { namedVariable } from '../variables.js';
import type { Optimizer, SgdConfig } from './optimizer.js';

/** SGD with (optionally Nesterov) momentum and L2 weight decay, with PyTorch's update rule. */
export function sgd(params: readonly NamedVariable[], config: Omit<SgdConfig, 'type'> = {}): Optimizer {
  assertNamedVariables('params', params);
  assertOptions('config', config);
  const momentum = config.momentum ?? 0.9;
  const weightDecay = config.weightDecay ?? 0;
  assertInRange('momentum', momentum, 0, 1);
  assertNonNegative('weightDecay', weightDecay);
  const trainable = params.filter((p) => p.trainable);
  const slots = momentum > 0 ? trainable.map((p) => namedVariable(`optimizer/${p.name}/momentum`, tf.zerosLike(p.variable), false)) : [];
  return {
    name: 'sgd',
    variables: slots,
    applyGradients(grads, lr) {
      tf.tidy(() => {
        trainable.forEach((p, i) => {
          const g0 = grads[i];
          if (g0 === undefined) return;
          const g = weightDecay > 0 ? tf.add(g0, tf.mul(p.variable, weightDecay)) : g0;
          if (momentum > 0) {
            const v = slots[i]!.variable;
            const next = tf.add(tf.mul(v, momentum), g);
            v.assign(next);
            const step = config.nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
            p.variable.assign(tf.sub(p.variable, tf.mul(step, lr)));
          } else {
            p.variable.assign(tf.sub(p.variable, tf.mul(g, lr)));
          }
        });
      });
    },
    dispose() {
      for (const s of slots) s.variable.dispose();
    },
  };
}
