import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { clipLoss } from './clip-loss.js';
import { clipLogitScale } from './clip-logit-scale.js';

describe('clipLogitScale', () => {
  it('starts at 1/0.07, stores the log, and is trainable', () => {
    const scale = clipLogitScale();
    expect(scale.read()).toBeCloseTo(1 / 0.07, 3);
    expect(scale.variable.variable.dataSync()[0]).toBeCloseTo(Math.log(1 / 0.07), 5);
    expect(scale.variable.trainable).toBe(true);
    expect(scale.variable.name).toBe('logitScale');
    scale.dispose();
  });

  it('is clamped at 100 in value() and by clamp()', () => {
    const scale = clipLogitScale();
    scale.variable.variable.assign(tf.scalar(Math.log(500)));
    const v = scale.value();
    expect(v.dataSync()[0]).toBeCloseTo(100, 2);
    v.dispose();
    expect(scale.read()).toBeCloseTo(100, 2);
    scale.clamp();
    expect(scale.variable.variable.dataSync()[0]).toBeCloseTo(Math.log(100), 5);
    scale.variable.variable.assign(tf.scalar(-3));
    scale.clamp();
    expect(scale.read()).toBeCloseTo(1, 5);
    scale.dispose();
  });

  it('learns: a gradient step on clipLoss with well-separated pairs raises the scale', () => {
    const scale = clipLogitScale({ initial: 2 });
    const a = tf.eye(4) as tf.Tensor2D;
    const before = scale.read();
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => clipLoss(a, a, { logitScale: scale.value() }), [scale.variable.variable]);
      const g = grads[scale.variable.variable.name]!;
      expect(g.dataSync()[0]).toBeLessThan(0);
      tf.tidy(() => scale.variable.variable.assign(tf.sub(scale.variable.variable, tf.mul(g, 0.1))));
      tf.dispose([value, g]);
    });
    expect(scale.read()).toBeGreaterThan(before);
    tf.dispose(a);
    scale.dispose();
  });

  it('rejects bad options by name', () => {
    expect(() => clipLogitScale({ initial: -1 })).toThrow(/options.initial must be a finite number > 0; got -1/);
    expect(() => clipLogitScale({ initial: 200 })).toThrow(/options.initial must be a number <= options.max \(100\); got 200/);
  });
});
