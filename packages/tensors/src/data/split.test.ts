import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { trainTestSplit } from './split.js';
import { tensorDataset } from './tensor-dataset.js';

describe('tensorDataset and trainTestSplit', () => {
  it('splits into disjoint, complete, stratified parts deterministically', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 10, max: 40 }), fc.double({ min: 0.1, max: 0.5, noNaN: true }), fc.integer(), async (n, frac, seed) => {
        const labels = Array.from({ length: n }, (_, i) => i % 2);
        const ds = tensorDataset(tf.zeros([n, 2, 2, 1]) as tf.Tensor4D, labels);
        const { train, test } = await trainTestSplit(ds, { testFraction: frac, seed });
        expect(train.size + test.size).toBe(n);
        const a = await train.labels!();
        const b = await test.labels!();
        const evenTest = Array.from(b).filter((l) => l === 0).length;
        expect(Math.abs(evenTest - Array.from(b).length / 2)).toBeLessThanOrEqual(1);
        expect(a.length).toBe(train.size);
        const again = await trainTestSplit(ds, { testFraction: frac, seed });
        expect(Array.from(await again.test.labels!())).toEqual(Array.from(b));
        ds.dispose?.();
      }),
      { numRuns: 15 },
    );
  });

  it('gathers batches by index and rejects out-of-range indices by name', async () => {
    const images = tf.tidy(() => tf.reshape(tf.range(0, 4), [4, 1, 1, 1]) as tf.Tensor4D);
    const ds = tensorDataset(images, [3, 2, 1, 0]);
    const b = await ds.getBatch([3, 1]);
    expect(Array.from(await b.images.data())).toEqual([3, 1]);
    expect(Array.from(await b.labels!.data())).toEqual([0, 2]);
    tf.dispose([b.images, b.labels!]);
    await expect(ds.getBatch([4])).rejects.toThrow(/indices\[i\] must be an integer in \[0, 3\]; got 4/);
    expect(() => tensorDataset(tf.zeros([2, 1, 1, 1]) as tf.Tensor4D, [1])).toThrow(/labels must be 2 labels/);
    expect(() => tensorDataset(tf.zeros([2, 1]) as unknown as tf.Tensor4D)).toThrow(/images must be a rank-4 tensor/);
    ds.dispose?.();
  });

  it('carries captions: each batch has its samples\' captions, and a split keeps each caption with its image', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 4, max: 20 }), fc.integer(), async (n, seed) => {
        // Image i holds the value i and caption "c<i>": a split must keep them paired.
        const images = tf.tidy(() => tf.reshape(tf.range(0, n), [n, 1, 1, 1]) as tf.Tensor4D);
        const ds = tensorDataset(images, undefined, { captions: Array.from({ length: n }, (_, i) => `c${i}`) });
        const { train, test } = await trainTestSplit(ds, { testFraction: 0.3, seed });
        for (const part of [train, test]) {
          const all = await part.captions!();
          const batch = await part.getBatch(Array.from({ length: part.size }, (_, i) => i));
          expect(batch.captions).toEqual(all);
          expect(Array.from(await batch.images.data()).map((v) => `c${v}`)).toEqual([...all]);
          batch.images.dispose();
        }
        ds.dispose?.();
      }),
      { numRuns: 10 },
    );
    const images = tf.zeros([2, 1, 1, 1]) as tf.Tensor4D;
    expect(() => tensorDataset(images, undefined, { captions: ['one'] })).toThrow(/options.captions must be an array of 2 strings \(one caption per image\)/);
    images.dispose();
  });
});
