import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../contracts.js';
import { assertInRange, assertNamedVariables, assertNonNegative, assertOptions, assertPositive } from '../validate.js';
import type { LarsConfig, Optimizer } from './optimizer.js';
import { forEachGradient, momentumUpdate, slotVariables, withL2Decay } from './update.js';

/**
 * LARS (You, Gitman & Ginsburg 2017), as used for large-batch SimCLR and BYOL: each layer's step is scaled by the trust
 * ratio eta * ||w|| / ||g + wd w||; biases and batch-norm parameters (rank-1) are excluded from both the adaptation and
 * the weight decay by default.
 */
export function lars(params: readonly NamedVariable[], config: Omit<LarsConfig, 'type'> = {}): Optimizer {
  assertNamedVariables('params', params);
  assertOptions('config', config);
  const momentum = config.momentum ?? 0.9;
  const weightDecay = config.weightDecay ?? 1e-6;
  const eta = config.eta ?? 0.001;
  const exclude = config.excludeBiasAndNorm ?? true;
  assertInRange('momentum', momentum, 0, 1);
  assertNonNegative('weightDecay', weightDecay);
  assertPositive('eta', eta);
  const trainable = params.filter((p) => p.trainable);
  const slots = slotVariables(trainable, 'momentum');
  return {
    name: 'lars',
    variables: slots,
    applyGradients(grads, lr) {
      forEachGradient(trainable, grads, (p, g0, i) => {
        const adapt = !(exclude && p.variable.rank <= 1);
        let g = adapt ? withL2Decay(g0, p.variable, weightDecay) : g0;
        if (adapt) {
          const wNorm = tf.norm(p.variable);
          const gNorm = tf.norm(g);
          // Trust ratio 1 where either norm is zero (fresh zero-initialised layers, zero gradients).
          const ratio = tf.where(
            tf.logicalAnd(tf.greater(wNorm, 0), tf.greater(gNorm, 0)),
            tf.div(tf.mul(wNorm, eta), gNorm),
            tf.onesLike(wNorm),
          );
          g = tf.mul(g, ratio);
        }
        const next = momentumUpdate(slots[i]!.variable, g, momentum);
        p.variable.assign(tf.sub(p.variable, tf.mul(next, lr)));
      });
    },
    dispose() {
      for (const s of slots) s.variable.dispose();
    },
  };
}
