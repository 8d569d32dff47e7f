import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { expectClose, randomTensor } from '../../test/helpers.js';
import { type BatchNorm, batchNorm } from './batch-norm.js';

/** Per-channel mean and biased variance of a [..., C] array. */
function channelStats(values: Float32Array, channels: number): { mean: number[]; variance: number[]; count: number } {
  const count = values.length / channels;
  const mean = new Array<number>(channels).fill(0);
  const variance = new Array<number>(channels).fill(0);
  for (let i = 0; i < values.length; i++) mean[i % channels]! += (values[i] as number) / count;
  for (let i = 0; i < values.length; i++) variance[i % channels]! += ((values[i] as number) - mean[i % channels]!) ** 2 / count;
  return { mean, variance, count };
}

describe('batchNorm', () => {
  it('training mode normalises with batch statistics and updates the running averages (momentum 0.1, unbiased variance)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), async (n, c, spatial) => {
        const bn = batchNorm({ channels: c });
        bn.gamma!.variable.assign(randomTensor([c], 1));
        bn.beta!.variable.assign(randomTensor([c], 2));
        bn.runningMean.variable.assign(randomTensor([c], 3));
        bn.runningVar.variable.assign(tf.add(randomTensor([c], 4), 2));
        const shape = spatial ? [n, 3, 2, c] : [n, c];
        const x = tf.add(tf.mul(randomTensor(shape, n * 10 + c), 3), 1);
        const [gamma, beta, rm, rv, xv] = await Promise.all([bn.gamma!.variable.data(), bn.beta!.variable.data(), bn.runningMean.variable.data(), bn.runningVar.variable.data(), x.data()]);
        const y = bn.apply(x, { training: true });
        const { mean, variance, count } = channelStats(xv as Float32Array, c);
        const expected = Float32Array.from(xv, (v, i) => ((v - mean[i % c]!) / Math.sqrt(variance[i % c]! + 1e-5)) * gamma[i % c]! + beta[i % c]!);
        expectClose(await y.data(), expected, 1e-4);
        expectClose(await bn.runningMean.variable.data(), mean.map((m, i) => 0.9 * rm[i]! + 0.1 * m), 1e-5);
        expectClose(await bn.runningVar.variable.data(), variance.map((v, i) => 0.9 * rv[i]! + 0.1 * v * (count / (count - 1))), 1e-5);
        tf.dispose([x, y]);
        bn.dispose();
      }),
      { numRuns: 20 },
    );
  });

  it('inference mode (the default) uses the running statistics and leaves them frozen', async () => {
    const bn = batchNorm({ channels: 2, momentum: 0.5, epsilon: 1e-3 });
    bn.runningMean.variable.assign(tf.tensor1d([1, -2]));
    bn.runningVar.variable.assign(tf.tensor1d([4, 0.25]));
    bn.gamma!.variable.assign(tf.tensor1d([2, 1]));
    bn.beta!.variable.assign(tf.tensor1d([0.5, 0]));
    const x = tf.tensor2d([[3, -1], [1, -2]]);
    const y = bn.apply(x);
    expectClose(await y.data(), [(2 / Math.sqrt(4.001)) * 2 + 0.5, 1 / Math.sqrt(0.251), 0.5, 0], 1e-5);
    // A probe's forward passes never move the statistics.
    bn.apply(x, { training: false }).dispose();
    expect(Array.from(await bn.runningMean.variable.data())).toEqual([1, -2]);
    expect(Array.from(await bn.runningVar.variable.data())).toEqual([4, 0.25]);
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('marks running statistics non-trainable; affine false has no gamma or beta', () => {
    const bn = batchNorm({ channels: 3, name: 'stem/bn' });
    expect(bn.variables.map((v) => [v.name, v.trainable])).toEqual([
      ['stem/bn/gamma', true],
      ['stem/bn/beta', true],
      ['stem/bn/runningMean', false],
      ['stem/bn/runningVar', false],
    ]);
    const plain = batchNorm({ channels: 3, affine: false });
    expect(plain.variables.map((v) => v.name)).toEqual(['bn/runningMean', 'bn/runningVar']);
    bn.dispose();
    plain.dispose();
  });

  it('its gradients (input, gamma, beta) match the gradients of the written-out formula, ranks 2 and 4', async () => {
    for (const shape of [[4, 2, 2, 3], [6, 3]]) {
      const bn = batchNorm({ channels: 3 });
      const x = randomTensor(shape, 6);
      const w = randomTensor(shape, 7);
      const gamma = randomTensor([3], 5);
      const beta = randomTensor([3], 8);
      bn.gamma!.variable.assign(gamma);
      bn.beta!.variable.assign(beta);
      const axes = shape.slice(0, -1).map((_, i) => i);
      const viaLayer = tf.grads((input: tf.Tensor) => tf.sum(tf.mul(bn.apply(input, { training: true }), w)))([x]);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(x, { training: true }), w)) as tf.Scalar);
      expect(Object.keys(grads).sort()).toEqual([bn.gamma!.variable.name, bn.beta!.variable.name].sort());
      const viaFormula = tf.grads((input: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(input, axes);
        const normed = tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-5)));
        return tf.sum(tf.mul(tf.add(tf.mul(normed, g), b), w));
      })([x, gamma, beta]);
      expectClose(await viaLayer[0]!.data(), await viaFormula[0]!.data(), 1e-3);
      expectClose(await grads[bn.gamma!.variable.name]!.data(), await viaFormula[1]!.data(), 1e-3);
      expectClose(await grads[bn.beta!.variable.name]!.data(), await viaFormula[2]!.data(), 1e-3);
      tf.dispose([x, w, gamma, beta, ...viaLayer, ...viaFormula, ...Object.values(grads)]);
      bn.dispose();
    }
  });

  it("activation 'relu' is tf.relu after the plain layer: values, gradients (input, gamma, beta) and running statistics, both modes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.boolean(), async (n, c, spatial, affine) => {
        const shape = spatial ? [n, 2, 3, c] : [n, c];
        const layers = (['linear', 'relu'] as const).map((activation) => batchNorm({ channels: c, affine, activation }));
        const [plain, fused] = layers as [BatchNorm, BatchNorm];
        expect([plain.activation, fused.activation]).toEqual(['linear', 'relu']);
        for (const bn of layers) {
          bn.gamma?.variable.assign(randomTensor([c], 1));
          bn.beta?.variable.assign(randomTensor([c], 2));
        }
        const x = randomTensor(shape, n * 10 + c);
        const w = randomTensor(shape, 3);
        for (const training of [true, false]) {
          const step = (bn: BatchNorm, relu: boolean) => {
            const loss = () => tf.sum(tf.mul(relu ? tf.relu(bn.apply(x, { training })) : bn.apply(x, { training }), w)) as tf.Scalar;
            const trainable = bn.variables.filter((v) => v.trainable).map((v) => v.variable);
            const { value, grads } = affine ? tf.variableGrads(loss, trainable) : { value: loss(), grads: {} };
            const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(relu ? tf.relu(bn.apply(input, { training })) : bn.apply(input, { training }), w)))(x);
            const y = tf.tidy(() => (relu ? tf.relu(bn.apply(x)) : bn.apply(x)));
            return [value, dx, y, ...Object.values(grads)];
          };
          const want = step(plain, true);
          const got = step(fused, false);
          expect(got.length).toBe(want.length);
          for (const [i, t] of got.entries()) expectClose(await t.data(), await want[i]!.data(), 1e-5);
          expectClose(await fused.runningMean.variable.data(), await plain.runningMean.variable.data(), 1e-6);
          expectClose(await fused.runningVar.variable.data(), await plain.runningVar.variable.data(), 1e-6);
          tf.dispose([...want, ...got]);
        }
        expect((await tf.tidy(() => fused.apply(x, { training: true })).data()).every((v) => v >= 0)).toBe(true);
        tf.dispose([x, w]);
        for (const bn of layers) bn.dispose();
      }),
      { numRuns: 15 },
    );
  });

  it('a training step through it leaks no tensors', async () => {
    const bn = batchNorm({ channels: 2 });
    const x = randomTensor([4, 3, 3, 2], 1);
    await expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(bn.apply(x, { training: true }))) as tf.Scalar);
      return [value, ...Object.values(grads)];
    });
    x.dispose();
    bn.dispose();
  });

  it('without affine parameters it is differentiable in both modes (tfjs-core needs a scale to save)', async () => {
    const bn = batchNorm({ channels: 2, affine: false });
    const x = randomTensor([3, 2], 1);
    for (const training of [true, false]) {
      const g = tf.grad((input: tf.Tensor) => tf.sum(tf.square(bn.apply(input, { training }))))(x);
      expect(g.shape).toEqual([3, 2]);
      expect((await g.data()).every(Number.isFinite)).toBe(true);
      g.dispose();
    }
    x.dispose();
    bn.dispose();
  });

  it('refuses training mode with one value per channel, and wrong channels', () => {
    const bn = batchNorm({ channels: 2 });
    const one = tf.zeros([1, 2]);
    const wrong = tf.zeros([3, 5]);
    expect(() => bn.apply(one, { training: true })).toThrow(SelfsupError);
    expect(() => bn.apply(one, { training: true })).toThrow(/more than one value per channel/);
    expect(() => bn.apply(wrong)).toThrow(/bn input must be a tensor of shape \[N, 2\] or \[N, H, W, 2\]/);
    expect(() => batchNorm({ channels: 2, momentum: 1.5 })).toThrow(/options.momentum must be a number in \[0, 1\]; got 1.5/);
    expect(() => batchNorm({ channels: 2, activation: 'gelu' as 'relu' })).toThrow(/options.activation must be one of "linear", "relu"; got "gelu"/);
    tf.dispose([one, wrong]);
    bn.dispose();
  });

  it('leaks no tensors in either mode, with or without the ReLU', async () => {
    const x = tf.ones([4, 3, 3, 2]);
    for (const activation of ['linear', 'relu'] as const) {
      const bn = batchNorm({ channels: 2, activation });
      await expectNoLeak(() => bn.apply(x, { training: true }));
      await expectNoLeak(() => bn.apply(x));
      await expectNoLeak(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(bn.apply(x, { training: true }))) as tf.Scalar);
        return [value, ...Object.values(grads)];
      });
      bn.dispose();
    }
    x.dispose();
  });
});
