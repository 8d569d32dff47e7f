import * as tf from '@tensorflow/tfjs-core';
import { countParameters } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { expectClose, randomTensor, variablesWithoutGradient } from '../../test/helpers.js';
import { mlp } from './mlp.js';

describe('mlp', () => {
  it('computes dense -> relu -> dense like a loop', async () => {
    const e = mlp({ inputDim: 3, hiddenDims: [4], outputDim: 2, seed: 1 });
    const [w1, b1, w2, b2] = e.variables.map((v) => v.variable);
    b1!.assign(randomTensor([4], 2));
    b2!.assign(randomTensor([2], 3));
    const x = randomTensor([5, 3], 4);
    const [xv, w1v, b1v, w2v, b2v] = await Promise.all([x, w1!, b1!, w2!, b2!].map((t) => t.data()));
    const expected: number[] = [];
    for (let i = 0; i < 5; i++) {
      const h = [0, 1, 2, 3].map((j) => Math.max(0, b1v![j]! + [0, 1, 2].reduce((s, k) => s + xv![i * 3 + k]! * w1v![k * 4 + j]!, 0)));
      for (let o = 0; o < 2; o++) expected.push(b2v![o]! + h.reduce((s, hj, j) => s + hj * w2v![j * 2 + o]!, 0));
    }
    const y = e.apply(x);
    expectClose(await y.data(), expected, 1e-5);
    expect(e.variables.map((v) => v.name)).toEqual(['hidden0/dense/kernel', 'hidden0/dense/bias', 'output/kernel', 'output/bias']);
    tf.dispose([x, y]);
    e.dispose();
  });

  it('outputs [N, outputDim] for any batch size; sequences are flattened', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 3 }),
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        fc.boolean(),
        async (n, inputShape, hiddenDims, outputDim, batchNorm) => {
          if (hiddenDims.length === 0 && outputDim === undefined) return;
          const e = mlp({ inputShape, hiddenDims, batchNorm, activation: 'gelu', ...(outputDim !== undefined ? { outputDim } : {}) });
          const x = randomTensor([n, ...inputShape], n);
          const y = e.apply(x, { training: batchNorm && n >= 2 });
          expect(y.shape).toEqual([n, outputDim ?? hiddenDims[hiddenDims.length - 1]]);
          tf.dispose([x, y]);
          e.dispose();
        },
      ),
      { numRuns: 30 },
    );
  });

  it('counts parameters: batch norm replaces the hidden bias', () => {
    const plain = mlp({ inputDim: 10, hiddenDims: [20], outputDim: 5 });
    const normed = mlp({ inputDim: 10, hiddenDims: [20], outputDim: 5, batchNorm: true });
    expect(countParameters(plain)).toBe(10 * 20 + 20 + 20 * 5 + 5);
    expect(countParameters(normed)).toBe(10 * 20 + 2 * 20 + 20 * 5 + 5);
    plain.dispose();
    normed.dispose();
  });

  it('rejects wrong inputs and options clearly', () => {
    const e = mlp({ inputShape: [4, 3], hiddenDims: [2] });
    const x = tf.zeros([2, 12]);
    expect(() => e.apply(x)).toThrow(/inputs must be a float32 batch for mlp of shape \[N, 4, 3\] \(rank 3\); got a float32 tensor of shape \[2, 12\]/);
    expect(() => mlp({ inputDim: 3 })).toThrow(/at least one of hiddenDims \(non-empty\), outputDim/);
    expect(() => mlp({ inputDim: 3, inputShape: [3], outputDim: 1 })).toThrow(/exactly one of inputDim, inputShape/);
    expect(() => mlp({ inputDim: 3, hiddenDims: [0] })).toThrow(/options.hiddenDims\[0\] must be an integer >= 1; got 0/);
    expect(() => mlp({ inputDim: 3, outputDim: 2, activation: 'swish' as 'relu' })).toThrow(/options.activation must be one of/);
    x.dispose();
    e.dispose();
  });

  it('trains: every trainable variable gets a gradient; no tensors leak', async () => {
    const e = mlp({ inputDim: 6, hiddenDims: [8, 8], outputDim: 3, batchNorm: true, seed: 2 });
    const x = randomTensor([4, 6], 1);
    const w = randomTensor([4, 3], 2);
    expect(await variablesWithoutGradient(e.variables, () => tf.sum(tf.mul(e.apply(x, { training: true }), w)) as tf.Scalar)).toEqual([]);
    await expectNoLeak(() => e.apply(x, { training: true }));
    await expectNoLeak(() => e.apply(x));
    tf.dispose([x, w]);
    e.dispose();
  });
});
