import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type Encoder, tensorDataset } from '@selfsup/tensors';
import { randomProjectionEncoder, vectorDataset } from '../test/helpers.js';
import { extractFeatures, inputAdapter } from './features.js';
import { rawPixelEncoder } from './raw-pixel-encoder.js';

describe('extractFeatures', () => {
  it('embeds in dataset order, in frozen mode, batch size not mattering, without leaks', async () => {
    const rows = [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
      [9, 10],
    ];
    const data = vectorDataset(rows, [0, 1, 0, 2, 1]);
    const encoder = randomProjectionEncoder([1, 1, 2], 3, 1);
    const before = tf.memory().numTensors;
    const a = await extractFeatures(encoder, data, { batchSize: 2 });
    const b = await extractFeatures(encoder, data, { batchSize: 5 });
    // Equal to float tolerance, not bit for bit: the native matmul may pick another oneDNN kernel for another batch
    // size (it does on AVX2-only CPUs), which rounds differently.
    const [fa, fb] = [a.features.dataSync(), b.features.dataSync()];
    expect(fa.length).toBe(fb.length);
    fa.forEach((v, i) => expect(v).toBeCloseTo(fb[i]!, 5));
    expect(Array.from(a.labels)).toEqual([0, 1, 0, 2, 1]);
    expect(a.numClasses).toBe(3);
    const w = encoder.variables[0]!.variable.arraySync() as number[][];
    const row3 = a.features.arraySync()[3]!;
    row3.forEach((v, j) => {
    expect(v).toBeCloseTo(7 * w[0]![j]! + 8 * w[1]![j]!, 4);
  });
    const subset = await extractFeatures(encoder, data, { indices: [4, 0] });
    expect(Array.from(subset.labels)).toEqual([1, 0]);
    tf.dispose([a.features, b.features, subset.features]);
    expect(tf.memory().numTensors).toBe(before);
    expect((encoder as unknown as { seenTraining: boolean[] }).seenTraining).not.toContain(true);
    encoder.dispose();
  });

  it('flattens images for vector encoders and refuses shapes that do not fit', async () => {
    const images = tf.tensor4d(Array.from({ length: 2 * 2 * 2 * 1 }, (_, i) => i / 10), [2, 2, 2, 1]);
    const data = tensorDataset(images, [0, 1]);
    const vectorEncoder: Encoder = { ...rawPixelEncoder([2, 2, 1]), inputShape: [4], apply: (x) => x as tf.Tensor2D };
    const f = await extractFeatures(vectorEncoder, data);
    expect(f.features.shape).toEqual([2, 4]);
    f.features.dispose();
    expect(() => inputAdapter(rawPixelEncoder([3, 3, 1]), [2, 2, 1], 'tiny')).toThrow(
      /encoder input shape \[3, 3, 1\] does not fit the images of tiny \[2, 2, 1\]/,
    );
    const wildcard = inputAdapter({ ...rawPixelEncoder([2, 2, 1]), inputShape: [-1, -1, 1] }, [2, 2, 1]);
    expect(typeof wildcard).toBe('function');
    data.dispose?.();
  });

  it('reports unlabelled data, wrong output shapes and non-finite features clearly, leaking nothing', async () => {
    const unlabelled = tensorDataset(tf.zeros([3, 1, 1, 2]) as tf.Tensor4D);
    const data = vectorDataset([[1, 2], [3, 4]], [0, 1]);
    const before = tf.memory().numTensors;
    await expect(extractFeatures(rawPixelEncoder([1, 1, 2]), unlabelled)).rejects.toThrow(/dataset must be a labelled dataset/);
    const wrong: Encoder = { ...rawPixelEncoder([1, 1, 2]), outputDim: 5 };
    await expect(extractFeatures(wrong, data)).rejects.toThrow(/encoder\.apply must return \[2, 5\]/);
    const nan: Encoder = { ...rawPixelEncoder([1, 1, 2]), apply: (x) => tf.div(tf.reshape(x, [-1, 2]), 0) as tf.Tensor2D };
    await expect(extractFeatures(nan, data)).rejects.toThrow(/non-finite feature for sample 0/);
    await expect(extractFeatures(rawPixelEncoder([1, 1, 2]), data, { batchSize: 0 })).rejects.toThrow(/options\.batchSize must be an integer >= 1; got 0/);
    await expect(extractFeatures({} as Encoder, data)).rejects.toThrow(/encoder must be an Encoder/);
    expect(tf.memory().numTensors).toBe(before);
    unlabelled.dispose?.();
    data.dispose?.();
  });
});

describe('rawPixelEncoder', () => {
  it('flattens pixels and owns nothing', () => {
    const e = rawPixelEncoder([2, 2, 3]);
    expect(e.outputDim).toBe(12);
    expect(e.variables).toEqual([]);
    const x = tf.tidy(() => tf.reshape(tf.range(0, 24), [2, 2, 2, 3]));
    const y = e.apply(x);
    expect(y.arraySync()[1]).toEqual(Array.from({ length: 12 }, (_, i) => 12 + i));
    expect(() => e.apply(tf.zeros([1, 3, 3, 3]))).toThrow(/inputs must be a \[N, 2, 2, 3\] tensor/);
    expect(() => rawPixelEncoder([0, 2, 1])).toThrow(/imageShape\[0\] must be an integer >= 1; got 0/);
    tf.dispose([x, y]);
  });
});
