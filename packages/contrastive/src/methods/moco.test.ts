import * as tf from '@tensorflow/tfjs-core';
import { type StepContext, createRng, fit } from '@selfsup/tensors';
import { maxAbsDiff } from '@selfsup/test-utils';
import { describe, expect, it } from 'vitest';
import { fewDigits, headTail } from '../../test/data.js';
import { tinyEncoder, tinyHead } from '../../test/tiny-encoder.js';
import { shiftAndNoise } from '../../test/views.js';
import { mocoV1, mocoV2 } from './moco.js';

const parts = (dim = 16, out = 8, hidden = 0) => ({
  encoder: tinyEncoder([28, 28, 1], dim, 1),
  projectionHead: tinyHead(dim, out, 2, hidden),
  momentumEncoder: tinyEncoder([28, 28, 1], dim, 7),
  momentumHead: tinyHead(dim, out, 8, hidden),
  views: shiftAndNoise(),
});
const ctx = (step = 0): StepContext => ({ step, epoch: 0, totalSteps: 10, rng: createRng(step) });

describe('MoCo', () => {
  it('v1 and v2 train on MNIST digits without NaN and with falling loss; defaults follow the papers', async () => {
    const data = fewDigits(128);
    for (const [factory, hidden, t] of [
      [mocoV1, 0, 0.07],
      [mocoV2, 16, 0.2],
    ] as const) {
      const method = factory({ ...parts(16, 8, hidden), queueSize: 64 });
      expect(method.config['temperature']).toBe(t);
      expect(method.config['momentum']).toBe(0.999);
      const before = tf.memory().numTensors;
      const result = await fit(method, data, { batchSize: 32, epochs: 8, learningRate: 3e-3, seed: 1, progress: false });
      expect(result.losses.every(Number.isFinite)).toBe(true);
      // The first K / B steps contrast against the random initial queue (easy negatives): compare from there on.
      const { head, tail } = headTail(result.losses.slice(64 / 32));
      expect(tail).toBeLessThan(head);
      expect(tf.memory().numTensors).toBe(before);
      // 32 steps of 32 keys into a queue of 64: the pointer wrapped to 0.
      expect(method.queue.pointer).toBe(0);
      method.dispose();
    }
    data.dispose?.();
  });

  it('starts the key encoder as a copy of the query encoder and never gives it gradients', () => {
    const method = mocoV1({ ...parts(), queueSize: 8 });
    method.encoder.variables.forEach((v, i) => expect(maxAbsDiff(v.variable, method.momentumEncoder.variables[i]!.variable)).toBe(0));
    const momentumVars = method.variables.filter((v) => v.name.startsWith('momentum/'));
    expect(momentumVars.length).toBe(method.momentumEncoder.variables.length + method.momentumHead.variables.length);
    expect(momentumVars.every((v) => !v.trainable && !v.variable.trainable)).toBe(true);
    expect(method.variables.filter((v) => v.name.startsWith('queue/')).every((v) => !v.trainable)).toBe(true);
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    // Even if someone marked them trainable, the stop-gradient on the keys leaves them a zero gradient.
    for (const v of momentumVars) v.variable.trainable = true;
    const { value, grads } = tf.variableGrads(() => method.loss({ images, indices: [0, 1, 2, 3] }, ctx()), momentumVars.map((v) => v.variable));
    for (const v of momentumVars) v.variable.trainable = false;
    for (const v of momentumVars) expect(tf.tidy(() => tf.max(tf.abs(grads[v.variable.name]!)).dataSync()[0])).toBe(0);
    // Without a list, tfjs differentiates only trainable variables: no momentum variable appears.
    const all = tf.variableGrads(() => method.loss({ images, indices: [0, 1, 2, 3] }, ctx()));
    for (const v of momentumVars) expect(all.grads[v.variable.name]).toBeUndefined();
    tf.dispose([value, all.value, images, ...Object.values(grads), ...Object.values(all.grads)]);
    method.dispose();
  });

  it('afterStep: EMA of the key encoder with m, then the batch keys enter the queue', () => {
    const method = mocoV1({ ...parts(), queueSize: 8, momentum: 0.9 });
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const qBefore = tf.clone(method.encoder.variables[0]!.variable);
    const loss = method.loss({ images, indices: [0, 1, 2, 3] }, ctx());
    loss.dispose();
    // Simulate an optimizer step on the query encoder.
    tf.tidy(() => method.encoder.variables[0]!.variable.assign(tf.add(qBefore, 1)));
    method.afterStep?.({ images, indices: [0, 1, 2, 3] }, ctx());
    const expected = tf.tidy(() => tf.add(tf.mul(qBefore, 0.9), tf.mul(tf.add(qBefore, 1), 0.1)));
    expect(maxAbsDiff(method.momentumEncoder.variables[0]!.variable, expected)).toBeLessThan(1e-5);
    expect(method.queue.pointer).toBe(4);
    // The enqueued keys are unit vectors (normalised projections of the key encoder).
    const newest = tf.tidy(() => tf.norm(tf.slice(method.queue.keys(), [0, 0], [4, 8]), 2, 1));
    Array.from(newest.dataSync()).forEach((x) => expect(x).toBeCloseTo(1, 5));
    tf.dispose([images, qBefore, expected, newest]);
    method.dispose();
  });

  it('shuffled key groups are unshuffled exactly: without batch norm, any shuffleGroups gives the same loss', () => {
    const images = tf.randomUniform([6, 28, 28, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const losses = [1, 2, 3].map((groups) => {
      const method = mocoV1({ ...parts(), queueSize: 12, shuffleGroups: groups });
      const l = method.loss({ images, indices: [0, 1, 2, 3, 4, 5] }, ctx(3));
      const v = l.dataSync()[0]!;
      l.dispose();
      method.dispose();
      return v;
    });
    expect(losses[1]).toBeCloseTo(losses[0]!, 5);
    expect(losses[2]).toBeCloseTo(losses[0]!, 5);
    images.dispose();
  });

  it('requires the batch size to divide K', () => {
    const method = mocoV2({ ...parts(), queueSize: 10 });
    const images = tf.zeros([4, 28, 28, 1]) as tf.Tensor4D;
    expect(() => method.loss({ images, indices: [0, 1, 2, 3] }, ctx())).toThrow(/batch must be a batch whose size divides options.queueSize \(10\); got "a batch of 4"/);
    images.dispose();
    method.dispose();
  });
});
