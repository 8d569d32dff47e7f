import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { conv2dReference, expectClose, onTrainingBackend, randomTensor } from '../../test/helpers.js';
import { conv2d } from './conv2d.js';

describe('conv2d', () => {
  it('matches a loop convolution for random sizes, strides and paddings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: fc.integer({ min: 1, max: 2 }),
          size: fc.integer({ min: 3, max: 9 }),
          cin: fc.integer({ min: 1, max: 3 }),
          cout: fc.integer({ min: 1, max: 4 }),
          k: fc.constantFrom(1, 3, 5),
          stride: fc.integer({ min: 1, max: 2 }),
          pad: fc.constantFrom<'same' | 'valid' | number>('same', 'valid', 0, 1, 2),
          bias: fc.boolean(),
        }),
        async ({ n, size, cin, cout, k, stride, pad, bias }) => {
          if (k > size + 2 * (typeof pad === 'number' ? pad : 0) && pad !== 'same') return;
          const layer = conv2d({ inChannels: cin, outChannels: cout, kernelSize: k, strides: stride, padding: pad, bias, seed: size });
          if (layer.bias) layer.bias.variable.assign(randomTensor([cout], 4));
          const x = randomTensor([n, size, size, cin], size * 7 + cin) as tf.Tensor4D;
          const y = layer.apply(x);
          const ref = conv2dReference(await x.data() as Float32Array, x.shape, await layer.kernel.variable.data() as Float32Array, layer.kernel.variable.shape, stride, pad);
          if (layer.bias) {
            const b = await layer.bias.variable.data();
            for (let i = 0; i < ref.values.length; i++) ref.values[i] = (ref.values[i] as number) + (b[i % cout] as number);
          }
          expect(y.shape).toEqual(ref.shape);
          expect(layer.outputSize(size, size)).toEqual([ref.shape[1], ref.shape[2]]);
          expectClose(await y.data(), ref.values, 1e-4);
          tf.dispose([x, y]);
          layer.dispose();
        },
      ),
      { numRuns: 25 },
    );
  });

  it('defaults to PyTorch padding floor(k / 2): 3x3 stride 2 keeps ceil(size / 2)', () => {
    const layer = conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, strides: 2 });
    expect(layer.padding).toBe(1);
    expect(layer.outputSize(32, 31)).toEqual([16, 16]);
    expect(layer.variables.map((v) => v.name)).toEqual(['conv/kernel', 'conv/bias']);
    expect(layer.kernel.variable.shape).toEqual([3, 3, 2, 3]);
    layer.dispose();
  });

  it('He-normal init has the He standard deviation (fan in or fan out)', async () => {
    for (const fanMode of ['fanIn', 'fanOut'] as const) {
      const layer = conv2d({ inChannels: 32, outChannels: 64, kernelSize: 3, fanMode, seed: 3 });
      const v = (await layer.kernel.variable.data()) as Float32Array;
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      const fan = 9 * (fanMode === 'fanIn' ? 32 : 64);
      expect(std).toBeCloseTo(Math.sqrt(2 / fan), 2);
      expect(Math.abs(mean)).toBeLessThan(0.01);
      layer.dispose();
    }
  });

  it('gradients reach the kernel and bias and match a finite difference', async () => {
    await onTrainingBackend(async () => {
      const layer = conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, strides: 2, seed: 1 });
      const x = randomTensor([2, 5, 5, 2], 9) as tf.Tensor4D;
      const loss = () => tf.sum(tf.square(layer.apply(x))) as tf.Scalar;
      const { grads, value } = tf.variableGrads(loss, [layer.kernel.variable, layer.bias!.variable]);
      const g = await grads[layer.kernel.variable.name]!.data();
      // Central difference on one kernel entry.
      const index = 7;
      const base = await layer.kernel.variable.data();
      const eps = 1e-2;
      const at = async (delta: number) => {
        const w = Float32Array.from(base);
        w[index] = (w[index] as number) + delta;
        layer.kernel.variable.assign(tf.tensor(w, layer.kernel.variable.shape));
        const l = loss();
        const out = (await l.data())[0] as number;
        l.dispose();
        return out;
      };
      const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      expect(g[index]).toBeCloseTo(numeric, 1);
      expect(grads[layer.bias!.variable.name]!.shape).toEqual([2]);
      tf.dispose([x, value, ...Object.values(grads)]);
      layer.dispose();
    });
  });

  it('rejects wrong channels, ranks and too-small images', () => {
    const layer = conv2d({ inChannels: 3, outChannels: 4, kernelSize: 5, padding: 'valid' });
    const wrongChannels = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const tooSmall = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    expect(() => layer.apply(wrongChannels)).toThrow(/conv input must be an NHWC tensor of shape \[N, H, W, 3\]; got a float32 tensor of shape \[1, 8, 8, 1\]/);
    expect(() => layer.apply(tooSmall)).toThrow(/at least 5x5/);
    expect(() => conv2d({ inChannels: 3, outChannels: 4, kernelSize: [3, 0] })).toThrow(/options.kernelSize\[1\]/);
    expect(() => conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: -1 })).toThrow(/options.padding/);
    tf.dispose([wrongChannels, tooSmall]);
    layer.dispose();
  });

  it('leaks no tensors', async () => {
    const layer = conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 });
    const x = tf.ones([1, 6, 6, 1]) as tf.Tensor4D;
    await expectNoLeak(() => layer.apply(x));
    x.dispose();
    layer.dispose();
  });
});
