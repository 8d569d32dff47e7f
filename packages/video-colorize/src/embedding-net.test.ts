import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { embeddingNet } from './embedding-net.js';

describe('embeddingNet', () => {
  it('maps grey frames to feature maps at stride 4 or 8, without leaking tensors', () => {
    for (const stride of [4, 8] as const) {
      const net = embeddingNet({ width: 4, outputDim: 6, stride, blocks: 1 });
      const x = tf.randomUniform([2, 16, 24, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const y = net.apply(x);
      expect(y.shape).toEqual([2, 16 / stride, 24 / stride, 6]);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(new Set(net.variables.map((v) => v.name)).size).toBe(net.variables.length);
      expect(net.variables.some((v) => v.name.endsWith('runningMean') && !v.trainable)).toBe(true);
      x.dispose();
      net.dispose();
    }
  });

  it('is fully convolutional: a translated input gives translated features (away from borders)', () => {
    const net = embeddingNet({ width: 4, outputDim: 3, blocks: 0, seed: 1 });
    const big = tf.randomUniform([1, 64, 64, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const shifted = tf.tidy(() => tf.concat([tf.slice(big, [0, 0, 8, 0], [1, 64, 56, 1]), tf.zeros([1, 64, 8, 1])], 2)) as tf.Tensor4D;
    const a = tf.tidy(() => net.apply(big).arraySync()[0]!);
    const b = tf.tidy(() => net.apply(shifted).arraySync()[0]!);
    // Shifting by 8 pixels shifts the features by 2 cells (receptive field 33 pixels: these cells see no border).
    b[8]![6]!.forEach((v, k) => expect(v).toBeCloseTo(a[8]![8]![k]!, 4));
    b[7]![5]!.forEach((v, k) => expect(v).toBeCloseTo(a[7]![7]![k]!, 4));
    tf.dispose([big, shifted]);
    net.dispose();
  });

  it('validates its arguments', () => {
    const net = embeddingNet({ width: 4 });
    expect(() => net.apply(tf.zeros([1, 8, 8, 3]) as tf.Tensor4D)).toThrow(/grey must be a tensor of shape \[\*, \*, \*, 1\]/);
    expect(() => net.apply(tf.zeros([1, 10, 8, 1]) as tf.Tensor4D)).toThrow(/grey must be frames whose height and width are multiples of 4/);
    expect(() => embeddingNet({ stride: 2 as never })).toThrow(/config.stride must be one of "4", "8"/);
    net.dispose();
  });
});
