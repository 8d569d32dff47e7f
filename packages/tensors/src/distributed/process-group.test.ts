import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomImages, toyMethod } from '../../test/toy-method.js';
import { initBackend } from '../backend.js';
import { tensorDataset } from '../data/tensor-dataset.js';
import { fit } from '../fit.js';
import { type CollectiveEngine, allGatherWithGradient, createProcessGroup, singleProcessGroup } from './process-group.js';
import { allReduceWithGradient, withSyncBatchNorm } from './sync-batch-norm.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/**
 * Rank 0 of 2 whose peer holds a copy of every value this rank sends (what two ranks with the same data would see):
 * sums double, gathers repeat. Records each call's length, to count round trips.
 */
function mirroredEngine(): CollectiveEngine & { calls: number[] } {
  const calls: number[] = [];
  return {
    rank: 0,
    worldSize: 2,
    description: 'mirror',
    calls,
    allReduce(data, op) {
      calls.push(data.length);
      if (op === 'sum') for (let i = 0; i < data.length; i++) data[i] = 2 * (data[i] as number);
    },
    allGather(input, output) {
      output.set(input, 0);
      output.set(input, input.length);
    },
    broadcast: () => undefined,
    barrier: () => undefined,
    close: () => undefined,
  };
}

describe('process group', () => {
  it('one process: every collective is the identity, as tensors of the same shape', () => {
    const group = singleProcessGroup();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    for (const out of [group.allReduce(x), group.allReduce(x, { op: 'mean' }), group.allGather(x), group.broadcast(x)]) {
      expect(out.shape).toEqual([2, 2]);
      expect(Array.from(out.dataSync())).toEqual([1, 2, 3, 4]);
      out.dispose();
    }
    x.dispose();
    expect(group.rank).toBe(0);
    expect(group.worldSize).toBe(1);
  });

  it('bucketed all-reduce: the same values as one round trip per array, in fewer round trips', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ noNaN: true, min: -1e3, max: 1e3 }), { minLength: 1, maxLength: 9 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 20 }),
        (lists, bucketElements) => {
          const engine = mirroredEngine();
          const arrays = lists.map((l) => Float32Array.from(l));
          createProcessGroup(engine).allReduceArrays(arrays, { op: 'mean', bucketElements });
          arrays.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(Float32Array.from(lists[i] as number[]))));
          // Each round trip carries at most bucketElements values, or one array larger than that.
          for (const length of engine.calls) expect(length <= bucketElements || lists.some((l) => l.length === length)).toBe(true);
          expect(engine.calls.reduce((a, b) => a + b, 0)).toBe(lists.reduce((a, l) => a + l.length, 0));
          expect(engine.calls.length).toBeLessThanOrEqual(lists.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('allGatherWithGradient: the gathered rows, and each rank keeps the summed gradient of its own rows', () => {
    const group = createProcessGroup(mirroredEngine());
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const gathered = allGatherWithGradient(group, x);
    expect(gathered.shape).toEqual([4, 2]);
    // d/dx of sum(w * gather(x)) with the peer's identical loss: both ranks' upstream gradients summed, own rows kept.
    const w = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const g = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(w, allGatherWithGradient(group, input))))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6, 8]);
    tf.dispose([x, gathered, w, g]);
  });

  it('rejects bad arguments naming them', async () => {
    const group = singleProcessGroup();
    expect(() => createProcessGroup({ ...mirroredEngine(), rank: 2 })).toThrow(/engine\.rank/);
    expect(() => group.allReduce(tf.tensor1d([1, 2], 'int32'))).toThrow(/x must be a float32 tensor/);
    const x = tf.tensor1d([1]);
    expect(() => group.allReduce(x, { op: 'avg' as 'sum' })).toThrow(/options\.op must be one of "sum", "mean", "max", "min"/);
    expect(() => group.broadcast(x, 1)).toThrow(/root/);
    expect(() => group.allReduceArrays([[1, 2] as unknown as Float32Array])).toThrow(/arrays must be an array of Float32Array/);
    expect(() => allGatherWithGradient(group, tf.scalar(1))).toThrow(/x must be a tensor of rank >= 1/);
    expect(() => allGatherWithGradient({} as never, x)).toThrow(/group must be a ProcessGroup/);
    expect(() => allReduceWithGradient(undefined as never, x)).toThrow(/group must be a ProcessGroup/);
    expect(() => allReduceWithGradient(group, tf.tensor1d([1], 'int32'))).toThrow(/x must be a live float32 tensor/);
    await expect(withSyncBatchNorm(group, 'work' as never)).rejects.toThrow(/work must be a function/);
    await expect(withSyncBatchNorm(3 as never, async () => 1)).rejects.toThrow(/group must be a ProcessGroup/);
    group.destroy();
    expect(() => group.barrier()).toThrow(/processGroup must be an open process group/);
    x.dispose();
  });

  it('fit rejects a global batch larger than the data, naming the ranks', async () => {
    const method = toyMethod([4, 4, 1]);
    const data = tensorDataset(randomImages(10, [4, 4, 1]));
    const group = createProcessGroup(mirroredEngine());
    await expect(fit(method, data, { batchSize: 6, processGroup: group, progress: false })).rejects.toThrow(
      /options\.batchSize must be at most the dataset size over the ranks \(10 \/ 2\)/,
    );
    await expect(fit(method, data, { batchSize: 2, processGroup: {} as never, progress: false })).rejects.toThrow(/options\.processGroup must be a ProcessGroup/);
    method.dispose();
    data.dispose?.();
  });
});
