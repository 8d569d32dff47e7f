import * as tf from '@tensorflow/tfjs-core';
import { type StepContext, createRng, fit } from '@selfsup/tensors';
import { maxAbsDiff } from '@selfsup/test-utils';
import { describe, expect, it } from 'vitest';
import { fewDigits, headTail } from '../../test/data.js';
import { tinyEncoder, tinyHead } from '../../test/tiny-encoder.js';
import { shiftAndNoise } from '../../test/views.js';
import { byol } from './byol.js';

const parts = () => ({
  encoder: tinyEncoder([28, 28, 1], 16, 1),
  projector: tinyHead(16, 8, 2),
  predictor: tinyHead(8, 8, 3),
  targetEncoder: tinyEncoder([28, 28, 1], 16, 9),
  targetProjector: tinyHead(16, 8, 10),
  views: [shiftAndNoise(3, 0.1), shiftAndNoise(2, 0.2)] as const,
});

describe('byol', () => {
  it('trains on MNIST digits without NaN and with falling loss', async () => {
    const data = fewDigits(128);
    const method = byol(parts());
    const before = tf.memory().numTensors;
    const result = await fit(method, data, { batchSize: 32, epochs: 8, learningRate: 3e-3, seed: 1, progress: false });
    expect(result.losses.every(Number.isFinite)).toBe(true);
    const { head, tail } = headTail(result.losses);
    expect(tail).toBeLessThan(head);
    // tau rises along the cosine from 0.996 towards 1.
    expect(method.metrics?.()['targetMomentum']).toBeGreaterThan(0.996);
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
    data.dispose?.();
  });

  it('the target starts as the online copy, gets no gradient, and follows it by EMA with the cosine tau', () => {
    const method = byol({ ...parts(), baseMomentum: 0.5 });
    method.encoder.variables.forEach((v, i) => expect(maxAbsDiff(v.variable, method.targetEncoder.variables[i]!.variable)).toBe(0));
    const targetVars = method.variables.filter((v) => v.name.startsWith('target/'));
    expect(targetVars.every((v) => !v.trainable)).toBe(true);
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const ctx = (step: number): StepContext => ({ step, epoch: 0, totalSteps: 4, rng: createRng(step) });
    for (const v of targetVars) v.variable.trainable = true;
    const { value, grads } = tf.variableGrads(() => method.loss({ images, indices: [0, 1, 2, 3] }, ctx(0)), targetVars.map((v) => v.variable));
    for (const v of targetVars) v.variable.trainable = false;
    for (const v of targetVars) expect(tf.tidy(() => tf.max(tf.abs(grads[v.variable.name]!)).dataSync()[0])).toBe(0);
    tf.dispose([value, ...Object.values(grads)]);
    // tau at step 2 of 4 with base 0.5: 1 - 0.5 * (cos(pi / 2) + 1) / 2 = 0.75.
    const w = method.encoder.variables[0]!.variable;
    const old = tf.clone(w);
    tf.tidy(() => w.assign(tf.add(w, 1)));
    method.afterStep?.({ images, indices: [] }, ctx(2));
    const expected = tf.tidy(() => tf.add(tf.mul(old, 0.75), tf.mul(tf.add(old, 1), 0.25)));
    expect(maxAbsDiff(method.targetEncoder.variables[0]!.variable, expected)).toBeLessThan(1e-5);
    tf.dispose([images, old, expected]);
    method.dispose();
  });
});
