import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../contracts.js';
import { assertInRange, assertNamedVariables, assertNonNegative, assertOptions } from '../validate.js';
import type { Optimizer, SgdConfig } from './optimizer.js';
import { forEachGradient, momentumUpdate, slotVariables, withL2Decay } from './update.js';

/** SGD with (optionally Nesterov) momentum and L2 weight decay, with PyTorch's update rule. */
export function sgd(params: readonly NamedVariable[], config: Omit<SgdConfig, 'type'> = {}): Optimizer {
  assertNamedVariables('params', params);
  assertOptions('config', config);
  const momentum = config.momentum ?? 0.9;
  const weightDecay = config.weightDecay ?? 0;
  assertInRange('momentum', momentum, 0, 1);
  assertNonNegative('weightDecay', weightDecay);
  const trainable = params.filter((p) => p.trainable);
  const slots = momentum > 0 ? slotVariables(trainable, 'momentum') : [];
  return {
    name: 'sgd',
    variables: slots,
    applyGradients(grads, lr) {
      forEachGradient(trainable, grads, (p, g0, i) => {
        const g = withL2Decay(g0, p.variable, weightDecay);
        if (momentum > 0) {
          const next = momentumUpdate(slots[i]!.variable, g, momentum);
          const step = config.nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
          p.variable.assign(tf.sub(p.variable, tf.mul(step, lr)));
        } else {
          p.variable.assign(tf.sub(p.variable, tf.mul(g, lr)));
        }
      });
    },
    dispose() {
      for (const s of slots) s.variable.dispose();
    },
  };
}
