import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadMnist } from './mnist.js';

describe('loadMnist', () => {
  it('ships 10 000 real digits, split 80/20 per class without overlap', async () => {
    const all = loadMnist('all');
    const train = loadMnist('train');
    const test = loadMnist('test');
    expect(all.size).toBe(train.size + test.size);
    expect(all.size).toBeGreaterThanOrEqual(9990);
    expect(test.size / all.size).toBeCloseTo(0.2, 1);
    expect(all.imageShape).toEqual([28, 28, 1]);
    const labels = await train.labels!();
    const counts = new Array<number>(10).fill(0);
    for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
    for (const c of counts) expect(c).toBeGreaterThan(600);
    const batch = await test.getBatch([0, 1, 2]);
    const px = await batch.images.data();
    expect(Math.min(...px)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...px)).toBeLessThanOrEqual(1);
    expect(Array.from(await batch.labels!.data())).toEqual([0, 1, 2]);
    tf.dispose([batch.images, batch.labels!]);
    for (const d of [all, train, test]) d.dispose?.();
  });

  it('keeps every class in a prefix', async () => {
    const small = loadMnist('train', { limit: 20 });
    expect(Array.from(await small.labels!())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    small.dispose?.();
  });
});
