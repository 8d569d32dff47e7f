import * as tf from '@tensorflow/tfjs-core';
import { createRng, fit } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { fewDigits, headTail } from '../../test/data.js';
import { tinyEncoder } from '../../test/tiny-encoder.js';
import { cpcImage, cpcSequence } from '../cpc/front-ends.js';
import { cpc } from './cpc.js';

describe('cpc', () => {
  it('image front end: trains on MNIST digits without NaN and with falling loss', async () => {
    const data = fewDigits(128);
    const method = cpc({
      encoder: tinyEncoder([8, 8, 1], 16, 1),
      frontEnd: cpcImage({ patchSize: 8, stride: 4 }),
      inputShape: [28, 28, 1],
      contextDim: 16,
      predictionSteps: 2,
      seed: 1,
    });
    expect(method.config['grid']).toEqual([6, 6]);
    expect(method.variables.map((v) => v.name)).toContain('predictor/W2');
    const before = tf.memory().numTensors;
    const result = await fit(method, data, { batchSize: 16, epochs: 5, learningRate: 2e-3, seed: 3, progress: false });
    expect(result.losses.every(Number.isFinite)).toBe(true);
    const { head, tail } = headTail(result.losses);
    expect(tail).toBeLessThan(head);
    expect(Object.keys(method.metrics?.() ?? {})).toEqual(['infoNCE_k1', 'infoNCE_k2']);
    expect(tf.memory().numTensors).toBe(before);
    const probe = await data.getBatch([0, 1, 2]);
    const features = method.encoder.apply(probe.images);
    expect(features.shape).toEqual([3, 16]);
    tf.dispose([features, probe.images, probe.labels!]);
    method.dispose();
    data.dispose?.();
  });

  it('sequence front end: digits read as sequences of column windows', async () => {
    const data = fewDigits(64);
    const method = cpc({
      encoder: tinyEncoder([28, 4, 1], 16, 2),
      frontEnd: cpcSequence({ window: 4, hop: 2 }),
      inputShape: [28, 28, 1],
      contextDim: 16,
      predictionSteps: 3,
      seed: 2,
    });
    expect(method.config['grid']).toEqual([13, 1]);
    const result = await fit(method, data, { batchSize: 16, epochs: 6, learningRate: 2e-3, seed: 1, progress: false });
    expect(result.losses.every(Number.isFinite)).toBe(true);
    const { head, tail } = headTail(result.losses);
    expect(tail).toBeLessThan(head);
    method.dispose();
    data.dispose?.();
  });

  it('the loss is InfoNCE over every position and sample: log(M) at a constant encoder', () => {
    // A zero-output encoder makes every score equal: each offset-k InfoNCE is log(M_k), M_k = N * cols * (rows - k).
    const zero = tinyEncoder([8, 8, 1], 4, 3);
    for (const v of zero.variables) v.variable.assign(tf.zerosLike(v.variable));
    const method = cpc({ encoder: zero, frontEnd: cpcImage({ patchSize: 8, stride: 10 }), inputShape: [28, 28, 1], predictionSteps: 2, seed: 0 });
    const images = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const loss = method.loss({ images, indices: [0, 1] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0) });
    // grid 3 x 3: M_1 = 2 * 3 * 2 = 12, M_2 = 2 * 3 * 1 = 6.
    expect(loss.dataSync()[0]).toBeCloseTo((Math.log(12) + Math.log(6)) / 2, 4);
    tf.dispose([loss, images]);
    method.dispose();
  });

  it('rejects mismatched parts by name', () => {
    const enc = tinyEncoder([8, 8, 1]);
    expect(() => cpc({ encoder: enc, inputShape: [28, 28, 1], frontEnd: cpcImage({ patchSize: 7 }), seed: 0 })).toThrow(
      /options.encoder must be an encoder whose inputShape accepts pieces of \[7, 7, 1\]/,
    );
    expect(() => cpc({ encoder: enc, inputShape: [28, 28, 1], predictionSteps: 6, seed: 0 })).toThrow(
      /options.predictionSteps must be an integer in \[1, 5\]; got 6/,
    );
    enc.dispose();
  });
});
