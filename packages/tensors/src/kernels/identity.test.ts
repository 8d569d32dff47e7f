import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryProbe, randomValues } from '../../test/kernels.js';
import { initBackend } from '../backend.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Identity (wasm): shares the buffer', () => {
  it('tf.clone gives the same values and shape for every dtype, shares the buffer, and either side may be disposed first', async () => {
    const cases = fc.record({
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      dtype: fc.constantFrom<'float32' | 'int32' | 'bool'>('float32', 'int32', 'bool'),
      originalFirst: fc.boolean(),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ shape, dtype, originalFirst, seed }) => {
        const size = shape.reduce((p, q) => p * q, 1);
        const values = Array.from(randomValues(seed, size), (v) => (dtype === 'float32' ? v : dtype === 'int32' ? Math.round(v * 100) : v > 0 ? 1 : 0));
        const original = tf.tensor(values, shape, dtype);
        const expected = Array.from(await original.data());
        const buffers = () => ({ tensors: tf.memory().numTensors, dataIds: memoryProbe().dataIds });
        const before = buffers();
        const copy = tf.clone(original);
        // One more tensor, no more buffer on the wasm heap.
        expect(buffers()).toEqual({ tensors: before.tensors + 1, dataIds: before.dataIds });
        expect(copy.shape).toEqual(shape);
        expect(copy.dtype).toBe(dtype);
        const [first, second] = originalFirst ? [original, copy] : [copy, original];
        first.dispose();
        expect(Array.from(await second.data())).toEqual(expected);
        second.dispose();
        expect(buffers()).toEqual({ tensors: before.tensors - 1, dataIds: before.dataIds - 1 });
      }),
      { numRuns: 40 },
    );
  });

  it('an op on the clone leaves the original as it was (tfjs never writes into an existing buffer)', async () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const y = tf.clone(x);
    const z = tf.add(y, 1);
    expect(await x.array()).toEqual([[1, 2], [3, 4]]);
    expect(await z.array()).toEqual([[2, 3], [4, 5]]);
    tf.dispose([x, y, z]);
  });

  it('string tensors still clone (the stock kernel)', async () => {
    const s = tf.tensor1d(['a', 'bc']);
    const c = tf.clone(s);
    s.dispose();
    expect(await c.array()).toEqual(['a', 'bc']);
    c.dispose();
  });

  it('the tensors a gradient saves are freed with the tape: a training step leaves the heap as it was', () => {
    const w = tf.variable(tf.tensor4d(randomValues(1, 3 * 3 * 2 * 4), [3, 3, 2, 4]));
    const x = tf.tensor4d(randomValues(2, 2 * 6 * 6 * 2), [2, 6, 6, 2]);
    const optimizer = tf.train.sgd(0.1);
    const step = () => optimizer.minimize(() => tf.tidy(() => tf.sum(tf.square(tf.relu(tf.conv2d(x, w as tf.Variable<tf.Rank.R4>, 1, 'same'))))) as tf.Scalar)?.dispose();
    step();
    const before = memoryProbe();
    step();
    expect(memoryProbe()).toEqual(before);
    tf.dispose([w, x]);
    optimizer.dispose();
  });
});
