import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError, countParameters } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { conv2dReference, expectClose, onTrainingBackend, randomTensor, variablesWithoutGradient } from '../../test/helpers.js';
import { convNet } from './conv-net.js';

describe('convNet', () => {
  it('has the parameters its blocks imply (conv kernels + batch-norm scale and shift)', () => {
    const e = convNet({ inputShape: [28, 28, 1] });
    const convs = 9 * 1 * 32 + 9 * 32 * 64 + 9 * 64 * 128;
    expect(countParameters(e)).toBe(convs + 2 * (32 + 64 + 128));
    expect(e.outputDim).toBe(128);
    const withHead = convNet({ inputShape: [32, 32, 3], channels: [8, 16], batchNorm: false, outputDim: 10 });
    expect(countParameters(withHead)).toBe(9 * 3 * 8 + 8 + 9 * 8 * 16 + 16 + 16 * 10 + 10);
    expect(withHead.variables.map((v) => v.name)).toEqual([
      'block0/conv/kernel',
      'block0/conv/bias',
      'block1/conv/kernel',
      'block1/conv/bias',
      'output/kernel',
      'output/bias',
    ]);
    e.dispose();
    withHead.dispose();
  });

  it('outputs [N, outputDim] for random configs, batch sizes and (with -1) image sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          channels: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
          n: fc.integer({ min: 1, max: 3 }),
          side: fc.integer({ min: 2, max: 20 }),
          cin: fc.integer({ min: 1, max: 3 }),
          outputDim: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
          norm: fc.constantFrom<'batch' | 'group' | 'none'>('batch', 'group', 'none'),
          training: fc.boolean(),
        }),
        async ({ channels, n, side, cin, outputDim, norm, training }) => {
          const e = convNet({ inputShape: [-1, -1, cin], channels, norm, ...(outputDim !== undefined ? { outputDim } : {}), seed: side });
          const x = randomTensor([n, side, side + 1, cin], n + side);
          const y = e.apply(x, { training: training && n >= 2 });
          expect(y.shape).toEqual([n, outputDim ?? (channels[channels.length - 1] as number)]);
          expect(e.outputDim).toBe(outputDim ?? channels[channels.length - 1]);
          tf.dispose([x, y]);
          e.dispose();
        },
      ),
      { numRuns: 25 },
    );
  });

  it('computes conv -> relu -> global average pool like a loop (no norm)', async () => {
    const e = convNet({ inputShape: [5, 5, 2], channels: [3], norm: 'none', seed: 2 });
    const bias = e.variables.find((v) => v.name === 'block0/conv/bias')!;
    bias.variable.assign(tf.tensor1d([0.1, -0.2, 0.3]));
    const x = randomTensor([2, 5, 5, 2], 3);
    const kernel = e.variables.find((v) => v.name === 'block0/conv/kernel')!.variable;
    const conv = conv2dReference((await x.data()) as Float32Array, x.shape, (await kernel.data()) as Float32Array, kernel.shape, 1, 1);
    const expected = new Float32Array(6);
    const b = [0.1, -0.2, 0.3];
    for (let i = 0; i < conv.values.length; i++) {
      const sample = Math.floor(i / (25 * 3));
      expected[sample * 3 + (i % 3)]! += Math.max(0, (conv.values[i] as number) + (b[i % 3] as number)) / 25;
    }
    const y = e.apply(x);
    expectClose(await y.data(), expected, 1e-5);
    tf.dispose([x, y]);
    e.dispose();
  });

  it('a fixed 28x28x1 input shape rejects 32x32x3 images with a clear error', () => {
    const e = convNet({ inputShape: [28, 28, 1], channels: [4] });
    const x = tf.zeros([2, 32, 32, 3]);
    expect(() => e.apply(x)).toThrow(SelfsupError);
    expect(() => e.apply(x)).toThrow(/inputs must be a float32 batch for convNet of shape \[N, 28, 28, 1\]; got a float32 tensor of shape \[2, 32, 32, 3\]/);
    expect(() => convNet({ inputShape: [28, 28, 1], channels: [4, 8], strides: [1] })).toThrow(/options.strides must be an array of 2 positive integers/);
    expect(() => convNet({ inputShape: [28, 28, 1], kernelSize: 4 })).toThrow(/options.kernelSize must be an odd positive integer/);
    expect(() => convNet({ inputShape: [28, 28] as unknown as [number, number, number] })).toThrow(/options.inputShape must be an \[H, W, C\] array/);
    x.dispose();
    e.dispose();
  });

  it('every trainable variable gets a gradient in training mode; no tensors leak', async () => {
    await onTrainingBackend(async () => {
      const e = convNet({ inputShape: [28, 28, 1], channels: [4, 8], outputDim: 3, seed: 3 });
      const x = randomTensor([2, 28, 28, 1], 4);
      const w = randomTensor([2, 3], 5);
      expect(await variablesWithoutGradient(e.variables, () => tf.sum(tf.mul(e.apply(x, { training: true }), w)) as tf.Scalar)).toEqual([]);
      await expectNoLeak(() => e.apply(x, { training: true }));
      tf.dispose([x, w]);
      e.dispose();
    });
  });
});
