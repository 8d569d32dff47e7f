import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, beforeAll } from 'vitest';
import { registerWasmKernels, wasmKernels } from './register.js';
import { stockKernel } from './wasm-ops.js';
import { initBackend } from '../backend.js';

// These test selfsup's wasm kernels themselves: without the optional native kernels that can replace some of them.
beforeAll(async () => {
  await initBackend({ backend: 'wasm', native: 'off' });
});

describe('registerWasmKernels', () => {
  it('adds the kernels wasm needs to train conv nets and embeddings, and replaces the slow input gradient', () => {
    expect(wasmKernels.map((k) => k.kernelName).sort()).toEqual([
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'Identity',
      'UnsortedSegmentSum',
    ]);
    expect(wasmKernels.every((k) => k.backendName === 'wasm')).toBe(true);
  });

  it('has registered them (initBackend did) and is idempotent', () => {
    registerWasmKernels();
    registerWasmKernels();
    for (const config of wasmKernels) expect(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc).toBe(config.kernelFunc);
    // Only the kernels stock wasm has are remembered, once, and they are the stock ones.
    expect(stockKernel('Conv2DBackpropInput')).toBeDefined();
    expect(stockKernel('Identity')?.kernelFunc).not.toBe(tf.getKernel('Identity', 'wasm')?.kernelFunc);
    expect(stockKernel('Conv2DBackpropInput')?.kernelFunc).not.toBe(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc);
    expect(stockKernel('Conv2DBackpropFilter')).toBeUndefined();
  });

  it('lets a small net with conv, depthwise conv and embedding layers train on wasm: the loss falls', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const x = tf.randomNormal([8, 8, 8, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const target = tf.randomNormal([8, 4], 0, 1, 'float32', 2);
    const w1 = tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 0.3, 'float32', 3));
    const w2 = tf.variable(tf.randomNormal([3, 3, 4, 1], 0, 0.3, 'float32', 4));
    const w3 = tf.variable(tf.randomNormal([4, 4], 0, 0.3, 'float32', 5));
    const dw = tf.variable(tf.randomNormal([3, 3, 4, 1], 0, 0.3, 'float32', 6));
    const embedding = tf.variable(tf.randomNormal([5, 4], 0, 0.3, 'float32', 7));
    const ids = tf.tensor1d([0, 3, 3, 1, 4, 0, 2, 2], 'int32');
    const loss = () =>
      tf.tidy(() => {
        const h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 2, 'same')) as tf.Tensor4D;
        const d = tf.depthwiseConv2d(h, dw as tf.Tensor4D, 1, 'same');
        const e = tf.conv2d(tf.add(h, d) as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'valid');
        const pooled = tf.reshape(e, [8, 4]);
        const features = tf.add(tf.matMul(pooled, w3), tf.gather(embedding, ids));
        return tf.mean(tf.square(tf.sub(features, target))) as tf.Scalar;
      });
    const first = (await loss().data())[0] as number;
    const optimizer = tf.train.sgd(0.05);
    for (let i = 0; i < 20; i++) tf.dispose(optimizer.minimize(loss, true) ?? []);
    const last = (await loss().data())[0] as number;
    expect(last).toBeLessThan(first * 0.8);
    tf.dispose([x, target, w1, w2, w3, dw, embedding, ids]);
    optimizer.dispose();
  });
});
