import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, memoryProbe, randomValues } from '../../test/kernels.js';
import { initBackend } from '../backend.js';
import { type NativeAddon, loadNativeAddon } from '../kernels/native/addon.js';
import { disableNativeKernels, enableNativeKernels, nativeKernelNames } from '../kernels/native/kernels.js';
import { RELU_GRAD_KERNEL } from './relu-gradient.js';

const load = await loadNativeAddon(process.env);
const nativeAddon = load.ok ? load.addon : undefined;
const canRunNative = nativeAddon?.reluGrad !== undefined;

/** The gradient of sum(relu(x) * w) in x, and the kernels that computed it, on the active backend. */
async function reluGrad(x: Float32Array, w: Float32Array, shape: number[]): Promise<{ dx: Float32Array; kernels: string[] }> {
  const xs = tf.tensor(x, shape);
  const ws = tf.tensor(w, shape);
  let dx: tf.Tensor | undefined;
  const profile = await tf.profile(() => {
    dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), ws)))(xs);
  });
  const values = Float32Array.from(await (dx as tf.Tensor).data());
  tf.dispose([xs, ws, dx as tf.Tensor]);
  return { dx: values, kernels: profile.kernels.map((k) => k.name) };
}

const shapes = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 6 })),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 })),
);

const backends = backendsUnderTest(canRunNative);

afterAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe.each(backends)("Relu's gradient on $name", (backend) => {
  beforeAll(async () => {
    await backend.init();
  });

  it(`is w where x > 0, else 0 (${backend.kernels ? 'one native kernel' : "tfjs' Step and Multiply"})`, async () => {
    await fc.assert(
      fc.asyncProperty(shapes, fc.integer({ min: 0, max: 1_000_000 }), async (shape, seed) => {
        const size = shape.reduce((p, q) => p * q, 1);
        // Some exact zeros: ReLU's gradient there is 0, as tfjs' step(0) = 0.
        const x = randomValues(seed, size).map((v) => (Math.abs(v) < 0.1 ? 0 : v));
        const w = randomValues(seed + 1, size);
        const { dx, kernels } = await reluGrad(x, w, shape);
        // + 0: tfjs' product gives -0 where w < 0, the kernel's select +0.
        expect(Array.from(dx, (v) => v + 0)).toEqual(Array.from(x, (v, i) => (v > 0 ? (w[i] as number) : 0)));
        expect(kernels.filter((k) => k === RELU_GRAD_KERNEL).length).toBe(backend.kernels ? 1 : 0);
        expect(kernels.includes('Step')).toBe(!backend.kernels);
      }),
      { numRuns: 25 },
    );
  });

  it('an int32 ReLU keeps its tfjs gradient; nothing leaks', async () => {
    const x = tf.tensor1d([-2, 0, 3], 'int32');
    const probe = () => (tf.getBackend() === 'wasm' ? memoryProbe() : { tensors: tf.memory().numTensors });
    const before = probe();
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.relu(a)))(x);
    expect(Array.from(await g.data())).toEqual([0, 0, 1]);
    g.dispose();
    const f = tf.tensor(randomValues(2, 4096 * 9), [9, 4096]);
    const big = tf.grad((a: tf.Tensor) => tf.sum(tf.relu(a)))(f);
    tf.dispose([f, big]);
    expect(probe()).toEqual(before);
    x.dispose();
  });
});

describe.skipIf(!canRunNative)("Relu's gradient: registration", () => {
  afterAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('initBackend replaces it only with the native kernels, and disabling them puts the tfjs gradient back', async () => {
    await initBackend({ backend: 'wasm', native: 'off' });
    const tfjs = tf.getGradient('Relu');
    expect(tfjs).toBeDefined();
    const report = await initBackend({ backend: 'wasm', native: 'on' });
    expect(report.native?.kernels).toContain(RELU_GRAD_KERNEL);
    expect(tf.getGradient('Relu')).not.toBe(tfjs);
    // The same gradient serves the cpu backend (gradients are per op, not per backend): it runs the tfjs formula there.
    await initBackend({ backend: 'cpu' });
    const { dx, kernels } = await reluGrad(Float32Array.from([-1, 2, 0, 4]), Float32Array.from([1, 2, 3, 4]), [2, 2]);
    expect(Array.from(dx)).toEqual([0, 2, 0, 4]);
    expect(kernels).toContain('Step');
    await initBackend({ backend: 'wasm', native: 'off' });
    expect(tf.getGradient('Relu')).toBe(tfjs);
  });

  it('an addon built before the kernel keeps tfjs\' gradient', async () => {
    await initBackend({ backend: 'wasm', native: 'off' });
    const tfjs = tf.getGradient('Relu');
    const addon = nativeAddon as NativeAddon;
    const older = Object.fromEntries(
      Object.getOwnPropertyNames(addon)
        .filter((name) => name !== 'reluGrad')
        .map((name) => [name, (addon as unknown as Record<string, unknown>)[name]]),
    ) as unknown as NativeAddon;
    enableNativeKernels(older);
    try {
      expect(nativeKernelNames(older)).not.toContain(RELU_GRAD_KERNEL);
      expect(tf.getKernel(RELU_GRAD_KERNEL, 'wasm')).toBeUndefined();
      expect(tf.getGradient('Relu')).toBe(tfjs);
      const { dx, kernels } = await reluGrad(Float32Array.from([-1, 2, 0, 4]), Float32Array.from([1, 2, 3, 4]), [4]);
      expect(Array.from(dx)).toEqual([0, 2, 0, 4]);
      expect(kernels).toContain('Step');
    } finally {
      disableNativeKernels();
    }
  });
});
