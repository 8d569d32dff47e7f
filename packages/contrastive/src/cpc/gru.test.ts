import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { gru } from './gru.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Loop reference of the PyTorch GRU equations on plain arrays. */
function referenceGru(x: number[][][], wi: number[][], wh: number[][], bi: number[], bh: number[], h: number): number[][][] {
  return x.map((sequence) => {
    let state = Array<number>(h).fill(0);
    return sequence.map((input) => {
      const gi = Array.from({ length: 3 * h }, (_, j) => bi[j]! + input.reduce((s, v, i) => s + v * wi[i]![j]!, 0));
      const gh = Array.from({ length: 3 * h }, (_, j) => bh[j]! + state.reduce((s, v, i) => s + v * wh[i]![j]!, 0));
      state = state.map((prev, j) => {
        const r = sigmoid(gi[j]! + gh[j]!);
        const z = sigmoid(gi[h + j]! + gh[h + j]!);
        const n = Math.tanh(gi[2 * h + j]! + r * gh[2 * h + j]!);
        return (1 - z) * n + z * prev;
      });
      return state;
    });
  });
}

describe('gru', () => {
  it('matches the loop reference of the GRU equations', () => {
    const net = gru({ inputDim: 3, hiddenDim: 4, rng: createRng(1) });
    const [wi, wh, bi, bh] = net.variables.map((v) => v.variable.arraySync());
    const rng = createRng(2);
    const x = Array.from({ length: 2 }, () => Array.from({ length: 5 }, () => Array.from({ length: 3 }, () => rng.normal())));
    const got = tf.tidy(() => net.run(tf.tensor3d(x)).arraySync());
    const want = referenceGru(x, wi as number[][], wh as number[][], bi as number[], bh as number[], 4);
    got.forEach((s, i) => s.forEach((step, t) => step.forEach((v, j) => expect(v).toBeCloseTo(want[i]![t]![j]!, 4))));
    net.dispose();
  });

  it('is causal: a later input does not change earlier states; gradients reach every weight; no leaks', () => {
    const net = gru({ inputDim: 2, hiddenDim: 3, rng: createRng(3) });
    const a = tf.randomNormal([1, 4, 2], 0, 1, 'float32', 1) as tf.Tensor3D;
    const b = tf.tidy(() => tf.concat([tf.slice(a, [0, 0, 0], [1, 3, 2]), tf.ones([1, 1, 2])], 1) as tf.Tensor3D);
    const [ha, hb] = [net.run(a), net.run(b)];
    const first = (t: tf.Tensor3D) => tf.tidy(() => Array.from(tf.slice(t, [0, 0, 0], [1, 3, 3]).dataSync()));
    expect(first(hb)).toEqual(first(ha));
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(net.run(a)) as tf.Scalar, net.variables.map((v) => v.variable));
      for (const v of net.variables) expect(tf.tidy(() => tf.sum(tf.abs(grads[v.variable.name]!)).dataSync()[0]!)).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(() => net.run(tf.zeros([1, 2, 5]) as tf.Tensor3D)).toThrow(/sequence must be a tensor of shape \[\*, \*, 2\]/);
    tf.dispose([a, b, ha, hb]);
    net.dispose();
  });
});
