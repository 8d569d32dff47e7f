import * as tf from '@tensorflow/tfjs-core';
import { createRng, fit } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { fewDigits, headTail } from '../../test/data.js';
import { tinyEncoder, tinyHead } from '../../test/tiny-encoder.js';
import { shiftAndNoise } from '../../test/views.js';
import { simSiam } from './simsiam.js';

describe('simSiam', () => {
  it('trains on MNIST digits without NaN and with falling loss', async () => {
    const data = fewDigits(128);
    const method = simSiam({ encoder: tinyEncoder([28, 28, 1], 16), projector: tinyHead(16, 16, 2), predictor: tinyHead(16, 16, 3, 8), views: shiftAndNoise() });
    const before = tf.memory().numTensors;
    const result = await fit(method, data, { batchSize: 32, epochs: 8, learningRate: 3e-3, seed: 1, progress: false });
    expect(result.losses.every(Number.isFinite)).toBe(true);
    const { head, tail } = headTail(result.losses);
    expect(tail).toBeLessThan(head);
    expect(method.metrics?.()['outputStd']).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
    data.dispose?.();
  });

  it('no gradient reaches the encoder through the targets: only the predictor path carries it', () => {
    // A constant predictor (zero kernel) cuts the prediction path, so the encoder's only route to the loss is through
    // the targets z: with the stop-gradient, its gradient must be exactly zero.
    const encoder = tinyEncoder([28, 28, 1], 8);
    const predictor = tinyHead(8, 8, 3, 0);
    for (const v of predictor.variables) v.variable.assign(tf.zerosLike(v.variable));
    tf.tidy(() => predictor.variables[1]!.variable.assign(tf.ones([8])));
    const method = simSiam({ encoder, projector: tinyHead(8, 8), predictor, views: shiftAndNoise() });
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const encoderVars = encoder.variables.map((v) => v.variable);
    const { value, grads } = tf.variableGrads(
      () => method.loss({ images, indices: [0, 1, 2, 3] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0) }),
      encoderVars,
    );
    for (const v of encoderVars) expect(tf.tidy(() => tf.max(tf.abs(grads[v.name]!)).dataSync()[0])).toBe(0);
    tf.dispose([value, images, ...Object.values(grads)]);
    method.dispose();
  });

  it('rejects a predictor that does not map back to the projection size', () => {
    const encoder = tinyEncoder([28, 28, 1], 8);
    expect(() => simSiam({ encoder, projector: tinyHead(8, 8), predictor: tinyHead(8, 4), views: shiftAndNoise() })).toThrow(
      /options.predictor must be a head with outputDim 8 \(the projector's\); got 4/,
    );
    encoder.dispose();
  });
});
