import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../contracts.js';
import { assertInRange, assertNamedVariables, assertNonNegative, assertOptions, assertPositive } from '../validate.js';
import { namedVariable } from '../variables.js';
import { adamUpdate } from './adam-update.js';
import { forEachGradient, slotVariables } from './update.js';
import type { AdamConfig, Optimizer } from './optimizer.js';

/** Adam (Kingma & Ba 2015) with bias correction; AdamW's decoupled weight decay when `decoupled`. */
export function adam(params: readonly NamedVariable[], config: Omit<AdamConfig, 'type'> = {}): Optimizer {
  assertNamedVariables('params', params);
  assertOptions('config', config);
  const beta1 = config.beta1 ?? 0.9;
  const beta2 = config.beta2 ?? 0.999;
  const epsilon = config.epsilon ?? 1e-8;
  const weightDecay = config.weightDecay ?? 0;
  assertInRange('beta1', beta1, 0, 0.999999);
  assertInRange('beta2', beta2, 0, 0.999999);
  assertPositive('epsilon', epsilon);
  assertNonNegative('weightDecay', weightDecay);
  const trainable = params.filter((p) => p.trainable);
  const m = slotVariables(trainable, 'm');
  const v = slotVariables(trainable, 'v');
  const count = namedVariable('optimizer/step', tf.scalar(0, 'int32'), false);
  return {
    name: 'adam',
    variables: [...m, ...v, count],
    applyGradients(grads, lr) {
      tf.tidy(() => {
        const t = (count.variable.dataSync()[0] ?? 0) + 1;
        count.variable.assign(tf.scalar(t, 'int32'));
        // PyTorch's form: p -= lr * m_hat / (sqrt(v_hat) + eps).
        const c1 = 1 / (1 - beta1 ** t);
        const c2 = 1 / (1 - beta2 ** t);
        const attrs = { beta1, beta2, step: lr * c1, c2, epsilon, l2: config.decoupled ? 0 : weightDecay, decoupled: config.decoupled ? lr * weightDecay : 0 };
        forEachGradient(trainable, grads, (p, g, i) => {
          const mi = m[i]!.variable;
          const vi = v[i]!.variable;
          const next = adamUpdate(p.variable, g, mi, vi, attrs);
          mi.assign(next.m);
          vi.assign(next.v);
          p.variable.assign(next.param);
        });
      });
    },
    dispose() {
      for (const s of [...m, ...v, count]) s.variable.dispose();
    },
  };
}
