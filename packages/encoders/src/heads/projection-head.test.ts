import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError, countParameters } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { expectClose, randomTensor, variablesWithoutGradient } from '../../test/helpers.js';
import { projectionHead } from './projection-head.js';

describe('projectionHead', () => {
  it('applies dense -> batch norm -> activation per block, as written out by hand', async () => {
    const head = projectionHead([
      { inputDim: 3, outputDim: 4, batchNorm: true, activation: 'relu' },
      { inputDim: 4, outputDim: 2 },
    ]);
    const x = randomTensor([5, 3], 1);
    const [k0, g0, b0, , , k1, b1] = head.variables.map((v) => v.variable);
    g0!.assign(randomTensor([4], 2));
    b0!.assign(randomTensor([4], 3));
    b1!.assign(randomTensor([2], 4));
    const expected = tf.tidy(() => {
      const h = tf.matMul(x, k0!);
      const { mean, variance } = tf.moments(h, 0);
      const n = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), g0!), b0!);
      return tf.add(tf.matMul(tf.relu(n), k1!), b1!);
    });
    const y = head.apply(x as tf.Tensor2D, { training: true });
    expectClose(await y.data(), await expected.data(), 1e-4);
    expect(head.variables.map((v) => v.name)).toEqual([
      'block0/dense/kernel',
      'block0/bn/gamma',
      'block0/bn/beta',
      'block0/bn/runningMean',
      'block0/bn/runningVar',
      'block1/dense/kernel',
      'block1/dense/bias',
    ]);
    tf.dispose([x, y, expected]);
    head.dispose();
  });

  it('fills defaults: no norm, linear activation, bias unless batch norm follows', () => {
    const head = projectionHead([
      { inputDim: 8, outputDim: 4 },
      { inputDim: 4, outputDim: 4, batchNorm: 'noAffine' },
    ]);
    expect(head.blocks).toEqual([
      { inputDim: 8, outputDim: 4, batchNorm: false, activation: 'linear', bias: true },
      { inputDim: 4, outputDim: 4, batchNorm: 'noAffine', activation: 'linear', bias: false },
    ]);
    expect(countParameters(head)).toBe(8 * 4 + 4 + 4 * 4);
    expect(head.architecture).toBe('projectionHead');
    expect(head.inputShape).toEqual([8]);
    expect([head.inputDim, head.outputDim]).toEqual([8, 4]);
    head.dispose();
  });

  it('outputs [N, outputDim] for random stacks and batch sizes; no tensors leak', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ dim: fc.integer({ min: 1, max: 6 }), batchNorm: fc.constantFrom<boolean | 'noAffine'>(true, false, 'noAffine'), activation: fc.constantFrom('relu' as const, 'linear' as const) }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 2, max: 5 }),
        async (spec, inputDim, n) => {
          const blocks = spec.map((b, i) => ({ inputDim: i === 0 ? inputDim : (spec[i - 1]!.dim), outputDim: b.dim, batchNorm: b.batchNorm, activation: b.activation }));
          const head = projectionHead(blocks);
          const x = randomTensor([n, inputDim], n) as tf.Tensor2D;
          await expectNoLeak(() => head.apply(x, { training: true }));
          const y = head.apply(x);
          expect(y.shape).toEqual([n, spec[spec.length - 1]!.dim]);
          tf.dispose([x, y]);
          head.dispose();
        },
      ),
      { numRuns: 20 },
    );
  });

  it('every trainable variable gets a gradient', async () => {
    const head = projectionHead([
      { inputDim: 4, outputDim: 6, batchNorm: true, activation: 'relu' },
      { inputDim: 6, outputDim: 3, batchNorm: 'noAffine' },
    ]);
    const x = randomTensor([4, 4], 1) as tf.Tensor2D;
    const w = randomTensor([4, 3], 2);
    expect(await variablesWithoutGradient(head.variables, () => tf.sum(tf.mul(head.apply(x, { training: true }), w)) as tf.Scalar)).toEqual([]);
    tf.dispose([x, w]);
    head.dispose();
  });

  it('rejects inconsistent blocks and wrong inputs', () => {
    expect(() => projectionHead([])).toThrow(/blocks must be a non-empty array/);
    expect(() => projectionHead([{ inputDim: 4, outputDim: 3 }, { inputDim: 4, outputDim: 2 }])).toThrow(
      /blocks\[1\].inputDim must be the previous block's outputDim \(3\); got 4/,
    );
    expect(() => projectionHead([{ inputDim: 4, outputDim: 3, batchNorm: 'yes' as unknown as boolean }])).toThrow(/blocks\[0\].batchNorm/);
    const head = projectionHead([{ inputDim: 4, outputDim: 3 }]);
    const x = tf.zeros([2, 5]) as tf.Tensor2D;
    expect(() => head.apply(x)).toThrow(SelfsupError);
    expect(() => head.apply(x)).toThrow(/of shape \[N, 4\]; got a float32 tensor of shape \[2, 5\]/);
    x.dispose();
    head.dispose();
  });
});
