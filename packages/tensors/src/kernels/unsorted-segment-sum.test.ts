import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it, beforeAll } from 'vitest';
import { createRng } from '../rng.js';
import { expectClose, memoryProbe, valuesOn } from '../../test/kernels.js';
import { initBackend } from '../backend.js';

// These test selfsup's wasm kernels themselves: without the optional native kernels that can replace some of them.
beforeAll(async () => {
  await initBackend({ backend: 'wasm', native: 'off' });
});

/** Loop reference: ids outside [0, numSegments) are dropped. */
function segmentSumReference(x: Float32Array, ids: Int32Array, numSegments: number): Float32Array {
  const inner = ids.length === 0 ? 0 : x.length / ids.length;
  const out = new Float32Array(numSegments * inner);
  ids.forEach((id, i) => {
    if (id < 0 || id >= numSegments) return;
    for (let j = 0; j < inner; j++) out[id * inner + j] = (out[id * inner + j] as number) + (x[i * inner + j] as number);
  });
  return out;
}

const cases = fc.record({
  rows: fc.integer({ min: 1, max: 12 }),
  inner: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
  numSegments: fc.integer({ min: 1, max: 9 }),
  seed: fc.nat(),
});

describe('UnsortedSegmentSum (wasm)', () => {
  it('is registered for wasm (stock wasm has none)', () => {
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
  });

  it('matches a loop reference and the cpu backend for any numSegments, dropping out-of-range ids', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ rows, inner, numSegments, seed }) => {
        const rng = createRng(seed);
        const shape = [rows, ...inner];
        const x = rng.uniformArray(shape.reduce((a, b) => a * b, 1), -1, 1);
        const ids = Int32Array.from({ length: rows }, () => rng.int(-1, numSegments + 1));
        const run = () => tf.unsortedSegmentSum(tf.tensor(x, shape), tf.tensor1d(ids, 'int32'), numSegments);
        const wasm = await valuesOn('wasm', run);
        expect(wasm.shapes[0]).toEqual([numSegments, ...inner]);
        const reference = segmentSumReference(x, ids, numSegments);
        expectClose(wasm.values[0]!, reference, 1e-6);
        // cpu drops negative ids too, but it builds one mask per segment, so it is compared on in-range ids only.
        if (ids.every((id) => id >= 0 && id < numSegments)) expectClose(wasm.values[0]!, (await valuesOn('cpu', run)).values[0]!, 1e-6);
      }),
      { numRuns: 50 },
    );
  });

  it('sums segment ids of rank 2 over the leading axes (the kernel allows it; the op is typed for rank 1)', async () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const ids = tf.tensor2d([0, 2, 2, 0], [2, 2], 'int32');
    const out = tf.unsortedSegmentSum(x, ids as unknown as tf.Tensor1D, 3);
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(await out.data())).toEqual([1 + 7, 2 + 8, 0, 0, 3 + 5, 4 + 6]);
    tf.dispose([x, ids, out]);
  });

  it('keeps int32 data int32', async () => {
    const out = tf.unsortedSegmentSum(tf.tensor1d([5, 7, 11], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2);
    expect(out.dtype).toBe('int32');
    expect(Array.from(await out.data())).toEqual([11, 12]);
    out.dispose();
  });

  it('gives tf.gather its gradient (embedding lookups), like the cpu backend', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ vocab: fc.integer({ min: 1, max: 10 }), dim: fc.integer({ min: 1, max: 5 }), count: fc.integer({ min: 1, max: 15 }), axis: fc.constantFrom(0, 1), seed: fc.nat() }),
        async ({ vocab, dim, count, axis, seed }) => {
          const rng = createRng(seed);
          const shape = axis === 0 ? [vocab, dim] : [dim, vocab];
          const table = rng.uniformArray(vocab * dim, -1, 1);
          const indices = Int32Array.from({ length: count }, () => rng.int(0, vocab));
          const weights = rng.uniformArray(count * dim, -1, 1);
          const run = () =>
            tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(indices, 'int32'), axis), tf.tensor(weights, axis === 0 ? [count, dim] : [dim, count]))))(
              tf.tensor(table, shape),
            );
          expectClose((await valuesOn('wasm', run)).values[0]!, (await valuesOn('cpu', run)).values[0]!, 1e-5);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('leaks no tensors and no wasm buffers', () => {
    const x = tf.randomNormal([20, 3]);
    const ids = tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 9, 9, 9, 9, -1], 'int32');
    tf.dispose(tf.unsortedSegmentSum(x, ids, 5));
    const before = memoryProbe();
    for (let i = 0; i < 3; i++) tf.dispose(tf.unsortedSegmentSum(x, ids, 5));
    expect(memoryProbe()).toEqual(before);
    tf.dispose([x, ids]);
  });
});
