import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError, createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { expectClose, randomTensor } from '../../test/helpers.js';
import { dense } from './dense.js';

describe('dense', () => {
  it('computes x W + b as a loop does, for random sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), async (n, din, dout, bias) => {
        const layer = dense({ inputDim: din, outputDim: dout, bias, seed: n + din });
        if (layer.bias) layer.bias.variable.assign(randomTensor([dout], 3));
        const x = randomTensor([n, din], 7) as tf.Tensor2D;
        const y = layer.apply(x);
        expect(y.shape).toEqual([n, dout]);
        const xv = await x.data();
        const wv = await layer.kernel.variable.data();
        const bv = layer.bias ? await layer.bias.variable.data() : new Float32Array(dout);
        const expected = new Float32Array(n * dout);
        for (let i = 0; i < n; i++)
          for (let o = 0; o < dout; o++) {
            let s = bv[o] as number;
            for (let k = 0; k < din; k++) s += (xv[i * din + k] as number) * (wv[k * dout + o] as number);
            expected[i * dout + o] = s;
          }
        expectClose(await y.data(), expected, 1e-5);
        tf.dispose([x, y]);
        layer.dispose();
      }),
      { numRuns: 15 },
    );
  });

  it('names its variables under its prefix and starts biases at zero', async () => {
    const layer = dense({ inputDim: 3, outputDim: 2, name: 'head/fc' });
    expect(layer.variables.map((v) => v.name)).toEqual(['head/fc/kernel', 'head/fc/bias']);
    expect(layer.variables.every((v) => v.trainable)).toBe(true);
    expect(Array.from(await layer.bias!.variable.data())).toEqual([0, 0]);
    expect(dense({ inputDim: 3, outputDim: 2, bias: false }).variables.map((v) => v.name)).toEqual(['dense/kernel']);
    layer.dispose();
  });

  it('draws the same weights from the same seed, or from an rng in the same state', async () => {
    const a = dense({ inputDim: 16, outputDim: 8, seed: 5 });
    const b = dense({ inputDim: 16, outputDim: 8, seed: 5 });
    const c = dense({ inputDim: 16, outputDim: 8, rng: createRng(5) });
    const d = dense({ inputDim: 16, outputDim: 8, seed: 6 });
    const [va, vb, vc, vd] = await Promise.all([a, b, c, d].map((l) => l.kernel.variable.data()));
    expect(Array.from(va!)).toEqual(Array.from(vb!));
    expect(Array.from(va!)).toEqual(Array.from(vc!));
    expect(Array.from(va!)).not.toEqual(Array.from(vd!));
    // He uniform over fanIn: every weight within sqrt(6 / 16).
    expect(Math.max(...Array.from(va!).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 16));
    for (const l of [a, b, c, d]) l.dispose();
  });

  it('rejects bad options and inputs with errors naming them', () => {
    expect(() => dense({ inputDim: 0, outputDim: 2 })).toThrow(/options.inputDim must be an integer >= 1; got 0/);
    expect(() => dense({ inputDim: 2, outputDim: 2, name: 'a//b' })).toThrow(SelfsupError);
    expect(() => dense({ inputDim: 2, outputDim: 2, seed: 1, rng: createRng(1) })).toThrow(/options.seed/);
    const layer = dense({ inputDim: 3, outputDim: 2 });
    const x = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => layer.apply(x)).toThrow(/dense input must be a tensor of shape \[\*, 3\]; got a float32 tensor of shape \[2, 4\]/);
    x.dispose();
    layer.dispose();
  });

  it('leaks no tensors', async () => {
    const layer = dense({ inputDim: 3, outputDim: 2 });
    const x = tf.ones([4, 3]) as tf.Tensor2D;
    await expectNoLeak(() => layer.apply(x));
    x.dispose();
    layer.dispose();
  });
});
