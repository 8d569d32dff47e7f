import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { attend, attentionWeights, neighbourhoodBias, topKAttention } from './attention.js';

const matrix = (rows: number, cols: number) =>
  fc.array(fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('attentionWeights', () => {
  it('is a distribution over reference locations equal to the softmax of dot products / temperature', () => {
    fc.assert(
      fc.property(matrix(3, 4), matrix(5, 4), fc.float({ min: Math.fround(0.05), max: 2, noNaN: true }), (t, r, temperature) => {
        const w = tf.tidy(() => attentionWeights(tf.tensor2d(t), tf.tensor2d(r), temperature).arraySync() as number[][]);
        t.forEach((ti, i) => {
          const logits = r.map((rj) => dot(ti, rj) / temperature);
          const max = Math.max(...logits);
          const z = logits.reduce((s, l) => s + Math.exp(l - max), 0);
          expect(w[i]!.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
          w[i]!.forEach((x, j) => {
            expect(x).toBeGreaterThanOrEqual(0);
            expect(x).toBeCloseTo(Math.exp(logits[j]! - max) / z, 4);
          });
        });
      }),
      { numRuns: 30 },
    );
  });

  it('works on batches and reads out values', () => {
    const t = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 1);
    const r = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 2);
    const v = tf.randomNormal([2, 5, 6], 0, 1, 'float32', 3);
    const w = attentionWeights(t, r, 0.5);
    expect(w.shape).toEqual([2, 3, 5]);
    const out = attend(w, v);
    expect(out.shape).toEqual([2, 3, 6]);
    const wa = w.arraySync() as number[][][];
    const va = v.arraySync() as number[][][];
    const oa = out.arraySync() as number[][][];
    expect(oa[1]![2]![4]!).toBeCloseTo(wa[1]![2]!.reduce((s, x, j) => s + x * va[1]![j]![4]!, 0), 4);
    expect(() => attentionWeights(t, r, 0)).toThrow(/temperature must be a finite number > 0; got 0/);
    expect(() => attentionWeights(t, tf.zeros([2, 5, 3]), 1)).toThrow(/reference must be a tensor with feature size 4/);
    tf.dispose([t, r, v, w, out]);
  });
});

describe('neighbourhoodBias', () => {
  it('is 0 within the square window and very negative outside', () => {
    const b = neighbourhoodBias(3, 4, 1);
    const a = b.arraySync();
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 12; j++) {
        const near = Math.abs(Math.floor(i / 4) - Math.floor(j / 4)) <= 1 && Math.abs((i % 4) - (j % 4)) <= 1;
        expect(a[i]![j]!).toBe(near ? 0 : -1e9);
      }
    }
    b.dispose();
  });

  it('lowers far cells by locality x distance inside the window, and validates locality', () => {
    const a = neighbourhoodBias(3, 4, 2, 0.5).arraySync();
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 12; j++) {
        const [dy, dx] = [Math.floor(i / 4) - Math.floor(j / 4), (i % 4) - (j % 4)];
        const inside = Math.abs(dy) <= 2 && Math.abs(dx) <= 2;
        expect(a[i]![j]!).toBeCloseTo(inside ? -0.5 * Math.hypot(dy, dx) : -1e9, 5);
      }
    }
    expect(() => neighbourhoodBias(3, 4, 2, -1)).toThrow(/locality must be/);
  });
});

describe('topKAttention', () => {
  it('equals a loop reference: top k of the (masked) affinities, softmax, weighted values', () => {
    fc.assert(
      fc.property(matrix(4, 3), matrix(4, 3), matrix(4, 3), fc.integer({ min: 1, max: 8 }), (q, k1, k2, topK) => {
        const values1 = k1.map((_, j) => [j, 1]);
        const values2 = k2.map((_, j) => [10 + j, -1]);
        // Restrict block 2: query i may only see keys j with |i - j| <= 1.
        const bias = q.map((_, i) => k2.map((_, j) => (Math.abs(i - j) <= 1 ? 0 : -1e9)));
        const temperature = 0.3;
        const got = tf.tidy(() =>
          topKAttention(
            tf.tensor2d(q),
            [
              { keys: tf.tensor2d(k1), values: tf.tensor2d(values1), restricted: false },
              { keys: tf.tensor2d(k2), values: tf.tensor2d(values2), restricted: true },
            ],
            { topK, temperature, bias: tf.tensor2d(bias), chunkSize: 3 },
          ).arraySync(),
        );
        q.forEach((qi, i) => {
          const scored = [
            ...k1.map((kj, j) => ({ s: dot(qi, kj), v: values1[j]! })),
            ...k2.map((kj, j) => ({ s: dot(qi, kj) + bias[i]![j]!, v: values2[j]! })),
          ].sort((a, b) => b.s - a.s);
          const kept = scored.slice(0, topK);
          // Ties at the cut make the kept set ambiguous: skip those rows.
          if (topK < scored.length && Math.abs(scored[topK - 1]!.s - scored[topK]!.s) < 1e-4) return;
          const max = kept[0]!.s;
          const z = kept.reduce((s, e) => s + Math.exp((e.s - max) / temperature), 0);
          const expected = [0, 1].map((c) => kept.reduce((s, e) => s + (Math.exp((e.s - max) / temperature) / z) * e.v[c]!, 0));
          expected.forEach((e, c) => expect(got[i]![c]!).toBeCloseTo(e, 3));
        });
      }),
      { numRuns: 30 },
    );
  });

  it('validates its arguments', () => {
    const q = tf.zeros([2, 3]) as tf.Tensor2D;
    const block = { keys: tf.zeros([4, 3]) as tf.Tensor2D, values: tf.zeros([4, 2]) as tf.Tensor2D, restricted: true };
    expect(() => topKAttention(q, [block], { topK: 2, temperature: 1 })).toThrow(/options.bias must be a bias tensor/);
    expect(() => topKAttention(q, [], { topK: 2, temperature: 1 })).toThrow(/context must be a non-empty array/);
    expect(() => topKAttention(q, [{ ...block, restricted: false }], { topK: 0, temperature: 1 })).toThrow(/options.topK must be an integer >= 1/);
    tf.dispose([q, block.keys, block.values]);
  });
});

describe('topKAttention argument checks', () => {
  it('names the bad context block or options instead of crashing', () => {
    const q = tf.ones([2, 3]) as tf.Tensor2D;
    const keys = tf.ones([4, 3]) as tf.Tensor2D;
    const values = tf.ones([4, 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    expect(() => topKAttention(q, [undefined as never], { topK: 1, temperature: 1 })).toThrow(/context\[0\] must be a context block/);
    expect(() => topKAttention(q, [{ keys, restricted: false } as never], { topK: 1, temperature: 1 })).toThrow(
      /context\[0\].values must be a tensor; got undefined/,
    );
    expect(() => topKAttention(q, [{ keys, values, restricted: false }], undefined as never)).toThrow(/options must be an options object/);
    expect(() => topKAttention(q, [{ keys, values, restricted: false }], { topK: 0.5, temperature: 1 })).toThrow(/options.topK must be an integer >= 1/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([q, keys, values]);
  });
});
