import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, memoryProbe, randomValues } from '../../test/kernels.js';
import { initBackend } from '../backend.js';
import { SelfsupError } from '../errors.js';
import { type NativeAddon, loadNativeAddon } from '../kernels/native/addon.js';
import { disableNativeKernels, enableNativeKernels, nativeKernelNames, nativeKernelsActive } from '../kernels/native/kernels.js';
import { BATCH_NORM_TRAINING_KERNELS, batchNormTraining } from './batch-norm-training.js';

const load = await loadNativeAddon(process.env);
const nativeAddon = load.ok ? load.addon : undefined;
const canRunNative = nativeAddon?.batchNormTraining !== undefined;

/** One problem: x of `shape` (channels last), per-channel scale and offset, a weight w for the loss sum(y * w). */
interface Case {
  readonly shape: number[];
  readonly epsilon: number;
  readonly seed: number;
}

const cases: fc.Arbitrary<Case> = fc.record({
  shape: fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 })),
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })),
  ),
  epsilon: fc.constantFrom(1e-5, 1e-3, 0.1),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

interface Data {
  readonly x: Float32Array;
  readonly scale: Float32Array;
  readonly offset: Float32Array;
  readonly w: Float32Array;
}

function dataOf(c: Case, shift = 0): Data {
  const size = c.shape.reduce((p, q) => p * q, 1);
  const channels = c.shape[c.shape.length - 1] as number;
  return {
    x: randomValues(c.seed, size).map((v) => v * 2 + shift),
    scale: randomValues(c.seed + 1, channels).map((v) => v * 1.5),
    offset: randomValues(c.seed + 2, channels),
    w: randomValues(c.seed + 3, size),
  };
}

/** Plain reference in float64: per-channel mean, biased variance, y. */
function reference(x: ArrayLike<number>, channels: number, scale: ArrayLike<number>, offset: ArrayLike<number>, epsilon: number) {
  const count = x.length / channels;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) mean[i % channels]! += (x[i] as number) / count;
  for (let i = 0; i < x.length; i++) variance[i % channels]! += ((x[i] as number) - mean[i % channels]!) ** 2 / count;
  const y = Float64Array.from(x, (v, i) => {
    const j = i % channels;
    return ((v - mean[j]!) / Math.sqrt(variance[j]! + epsilon)) * (scale[j] as number) + (offset[j] as number);
  });
  return { y, mean, variance };
}

/** The gradients of sum(y * w) in x, scale and offset by central differences of the float64 reference. */
function referenceGradients(d: Data, channels: number, epsilon: number): Float64Array[] {
  const loss = (x: ArrayLike<number>, scale: ArrayLike<number>, offset: ArrayLike<number>) =>
    reference(x, channels, scale, offset, epsilon).y.reduce((sum, v, i) => sum + v * (d.w[i] as number), 0);
  const h = 1e-5;
  const partials = (values: Float32Array, at: (moved: Float64Array) => number) =>
    Float64Array.from(values, (_, i) => {
      const up = Float64Array.from(values);
      const down = Float64Array.from(values);
      up[i]! += h;
      down[i]! -= h;
      return (at(up) - at(down)) / (2 * h);
    });
  return [
    partials(d.x, (x) => loss(x, d.scale, d.offset)),
    partials(d.scale, (scale) => loss(d.x, scale, d.offset)),
    partials(d.offset, (offset) => loss(d.x, d.scale, offset)),
  ];
}

/** Runs the op and the gradients of sum(y * w) on the current backend; returns every value, disposing every tensor. */
async function run(c: Case, d: Data): Promise<{ y: Float32Array; mean: Float32Array; variance: Float32Array; grads: Float32Array[] }> {
  const channels = c.shape[c.shape.length - 1] as number;
  const x = tf.tensor(d.x, c.shape);
  const scale = tf.tensor1d(d.scale);
  const offset = tf.tensor1d(d.offset);
  const w = tf.tensor(d.w, c.shape);
  const { y, mean, variance } = batchNormTraining(x, scale, offset, c.epsilon);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(a, b, o, c.epsilon).y, w)))([x, scale, offset]);
  expect(y.shape).toEqual(c.shape);
  expect(mean.shape).toEqual([channels]);
  expect(variance.shape).toEqual([channels]);
  const values = await Promise.all([y, mean, variance, ...grads].map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([x, scale, offset, w, y, mean, variance, ...grads]);
  return { y: values[0]!, mean: values[1]!, variance: values[2]!, grads: values.slice(3) };
}

/** The configurations the op runs on here: the wasm backend with the native kernels (when built), plain wasm, cpu. */
const backends = [
  ...(canRunNative ? [{ name: 'wasm + native kernels', init: () => initBackend({ backend: 'wasm', native: 'on' }), kernels: true }] : []),
  { name: 'wasm (native off)', init: () => initBackend({ backend: 'wasm', native: 'off' }), kernels: false },
  { name: 'cpu', init: () => initBackend({ backend: 'cpu' }), kernels: false },
];

afterAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe.each(backends)('batchNormTraining on $name', (backend) => {
  beforeAll(async () => {
    await backend.init();
  });

  it(`runs ${backend.kernels ? 'its two kernels' : 'as tfjs ops'} (only initBackend with the native kernels registers them)`, async () => {
    expect(tf.getKernel(BATCH_NORM_TRAINING_KERNELS.forward, tf.getBackend()) !== undefined).toBe(backend.kernels);
    expect(tf.getKernel(BATCH_NORM_TRAINING_KERNELS.backward, tf.getBackend()) !== undefined).toBe(backend.kernels);
    const x = tf.tensor(randomValues(5, 40), [2, 5, 4]);
    const scale = tf.ones([4]);
    const offset = tf.zeros([4]);
    const profile = await tf.profile(() => {
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.square(batchNormTraining(a, scale, offset, 1e-5).y)))(x);
      g.dispose();
    });
    const names = profile.kernels.map((k) => k.name);
    const ran = Object.values(BATCH_NORM_TRAINING_KERNELS).map((name) => names.filter((n) => n === name).length);
    expect(ran).toEqual(backend.kernels ? [1, 1] : [0, 0]);
    tf.dispose([x, scale, offset]);
  });

  it('y, mean and the biased variance match a plain reference (ranks 2 and 4)', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const d = dataOf(c);
        const channels = c.shape[c.shape.length - 1] as number;
        const got = await run(c, d);
        const want = reference(d.x, channels, d.scale, d.offset, c.epsilon);
        expectClose(got.mean, want.mean, 1e-5);
        expectClose(got.variance, want.variance, 1e-5);
        expectClose(got.y, want.y, 1e-4);
      }),
      { numRuns: 30 },
    );
  });

  it('dx, dscale and doffset match central differences of the plain reference (ranks 2 and 4)', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const d = dataOf(c);
        const channels = c.shape[c.shape.length - 1] as number;
        const got = await run(c, d);
        const want = referenceGradients(d, channels, c.epsilon);
        for (let i = 0; i < 3; i++) expectClose(got.grads[i]!, want[i]!, 1e-3);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps its variance for data far from 0 (no sum of squares minus a squared sum)', async () => {
    const c: Case = { shape: [64, 4, 4, 3], epsilon: 1e-5, seed: 7 };
    const d = dataOf(c, 1000);
    const want = reference(d.x, 3, d.scale, d.offset, c.epsilon);
    const got = await run(c, d);
    expectClose(got.variance, want.variance, 1e-4);
    expectClose(got.y, want.y, 5e-3);
  });

  it('mean and variance carry no gradient: using them in the loss leaves dx as it was', async () => {
    const x = tf.tensor(randomValues(3, 24), [2, 2, 2, 3]);
    const scale = tf.tensor1d([1, 2, -1]);
    const offset = tf.tensor1d([0, 0.5, 1]);
    const yOnly = tf.grad((a: tf.Tensor) => tf.sum(tf.square(batchNormTraining(a, scale, offset, 1e-3).y)))(x);
    const withStatistics = tf.grad((a: tf.Tensor) => {
      const { y, mean, variance } = batchNormTraining(a, scale, offset, 1e-3);
      return tf.addN([tf.sum(tf.square(y)), tf.sum(mean), tf.sum(variance)]);
    })(x);
    expect(Array.from(await withStatistics.data())).toEqual(Array.from(await yOnly.data()));
    tf.dispose([x, scale, offset, yOnly, withStatistics]);
  });

  it('leaks no tensors (nor wasm buffers): forward, and a gradient step', async () => {
    const x = tf.tensor(randomValues(1, 48), [4, 2, 2, 3]);
    const scale = tf.variable(tf.tensor1d([1, 0.5, 2]));
    const offset = tf.variable(tf.tensor1d([0, 1, -1]));
    const probe = () => (tf.getBackend() === 'wasm' ? memoryProbe() : { tensors: tf.memory().numTensors });
    const before = probe();
    const out = batchNormTraining(x, scale, offset, 1e-5);
    tf.dispose([out.y, out.mean, out.variance]);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(batchNormTraining(x, scale, offset, 1e-5).y)) as tf.Scalar, [scale, offset]);
    tf.dispose([value, ...Object.values(grads)]);
    tf.tidy(() => {
      batchNormTraining(x, scale, offset, 1e-5);
    });
    expect(probe()).toEqual(before);
    tf.dispose([x, scale, offset]);
  });

  it('rejects bad input naming the argument, what it expects and what came, leaving no tensor behind', () => {
    const x = tf.zeros([4, 3]);
    const c3 = tf.ones([3]);
    const vector = tf.zeros([3]);
    const ints = tf.zeros([4, 3], 'int32');
    const empty = tf.zeros([0, 3]);
    const c2 = tf.ones([2]);
    const bad: [() => unknown, RegExp][] = [
      [() => batchNormTraining(vector, c3, c3, 1e-5), /x must be a tensor of rank 2 or more, channels last; got a float32 tensor of shape \[3\]/],
      [() => batchNormTraining(ints, c3, c3, 1e-5), /x must be a float32 tensor/],
      [() => batchNormTraining(empty, c3, c3, 1e-5), /x must be a non-empty tensor/],
      [() => batchNormTraining(x, c2, c3, 1e-5), /scale must be a float32 tensor of shape \[3\] \(the channels of x\); got a float32 tensor of shape \[2\]/],
      [() => batchNormTraining(x, c3, 'offset' as unknown as tf.Tensor, 1e-5), /offset must be a tensor; got "offset"/],
      [() => batchNormTraining(x, c3, c3, 0), /epsilon must be a finite number > 0; got 0/],
      [() => batchNormTraining(x, c3, c3, Number.NaN), /epsilon must be a finite number > 0; got NaN/],
    ];
    const before = tf.memory().numTensors;
    for (const [call, message] of bad) {
      expect(call).toThrow(SelfsupError);
      expect(call).toThrow(message);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c3, vector, ints, empty, c2]);
  });
});

describe.skipIf(!canRunNative)('batchNormTraining: native kernels against the tfjs-op fallback', () => {
  afterAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  /** The op's values on plain wasm (fallback) and with the native kernels, on the same inputs. */
  async function bothWays(c: Case, d: Data) {
    await initBackend({ backend: 'wasm', native: 'off' });
    const fallback = await run(c, d);
    await initBackend({ backend: 'wasm', native: 'on' });
    const native = await run(c, d);
    return { fallback, native };
  }

  function expectAgree(a: Awaited<ReturnType<typeof run>>, b: Awaited<ReturnType<typeof run>>, tolerance: number): void {
    for (const key of ['y', 'mean', 'variance'] as const) expectClose(a[key], b[key], tolerance);
    for (let i = 0; i < 3; i++) expectClose(a.grads[i]!, b.grads[i]!, tolerance);
  }

  it('agree to 1e-5 (relative to the largest value) on small problems', async () => {
    // At least 3 rows per channel: with two nearly equal values x - mean is all rounding error, on either side.
    const wellConditioned = cases.filter((c) => c.shape.reduce((p, q) => p * q, 1) / (c.shape[c.shape.length - 1] as number) >= 3);
    await fc.assert(
      fc.asyncProperty(wellConditioned, async (c) => {
        const d = dataOf(c);
        const { fallback, native } = await bothWays(c, d);
        expectAgree(native, fallback, 1e-5);
      }),
      { numRuns: 25 },
    );
  });

  it('agree on layer-sized problems (many chunks, the parallel path)', async () => {
    for (const shape of [[32, 16, 16, 8], [512, 96], [8, 7, 7, 130]]) {
      const c: Case = { shape, epsilon: 1e-5, seed: shape[0]! };
      const { fallback, native } = await bothWays(c, dataOf(c));
      expectAgree(native, fallback, 1e-5);
    }
  });

  it('an addon built before these kernels keeps the others and runs the op as tfjs ops', async () => {
    const addon = nativeAddon as NativeAddon;
    await initBackend({ backend: 'wasm', native: 'on' });
    const c: Case = { shape: [4, 3, 3, 5], epsilon: 1e-3, seed: 11 };
    const d = dataOf(c);
    const current = await run(c, d);
    // The older addon: every function but the two batch-norm training ones.
    const { batchNormTraining: _forward, batchNormTrainingGrad: _backward, ...older } = Object.fromEntries(
      Object.getOwnPropertyNames(addon).map((name) => [name, (addon as unknown as Record<string, unknown>)[name]]),
    ) as unknown as Required<NativeAddon>;
    expect(typeof older.conv2d).toBe('function');
    disableNativeKernels();
    enableNativeKernels(older as NativeAddon);
    try {
      expect(nativeKernelsActive()).toBe(true);
      expect(nativeKernelNames(older as NativeAddon)).not.toContain(BATCH_NORM_TRAINING_KERNELS.forward);
      expect(nativeKernelNames(addon)).toContain(BATCH_NORM_TRAINING_KERNELS.forward);
      expect(tf.getKernel(BATCH_NORM_TRAINING_KERNELS.forward, 'wasm')).toBeUndefined();
      expect(tf.getKernel('Conv2D', 'wasm')).toBeDefined();
      expectAgree(await run(c, d), current, 1e-5);
    } finally {
      disableNativeKernels();
      await initBackend({ backend: 'wasm', native: 'on' });
    }
    expect(tf.getKernel(BATCH_NORM_TRAINING_KERNELS.forward, 'wasm')).toBeDefined();
  });

  it('initBackend reports the kernels with the others', async () => {
    const report = await initBackend({ backend: 'wasm', native: 'on' });
    expect(report.native?.kernels).toEqual(expect.arrayContaining([...Object.values(BATCH_NORM_TRAINING_KERNELS), 'Conv2D']));
  });
});
