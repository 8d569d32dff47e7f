import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, expectClose, memoryProbe, randomValues } from '../../test/kernels.js';
import { initBackend } from '../backend.js';
import { SelfsupError } from '../errors.js';
import { type NativeAddon, loadNativeAddon } from '../kernels/native/addon.js';
import { disableNativeKernels, enableNativeKernels, nativeKernelNames, nativeKernelsActive } from '../kernels/native/kernels.js';
import { BATCH_NORM_TRAINING_KERNELS, type BatchNormTrainingActivation, type BatchNormTrainingOptions, batchNormTraining } from './batch-norm-training.js';

const load = await loadNativeAddon(process.env);
const nativeAddon = load.ok ? load.addon : undefined;
const canRunNative = nativeAddon?.batchNormTraining !== undefined && nativeAddon.batchNormReluTraining !== undefined;

/** One problem: x of `shape` (channels last), per-channel scale and offset, a weight w for the loss sum(y * w). */
interface Case {
  readonly shape: number[];
  readonly epsilon: number;
  readonly seed: number;
  readonly activation: BatchNormTrainingActivation;
}

const cases: fc.Arbitrary<Case> = fc.record({
  shape: fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 })),
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })),
  ),
  epsilon: fc.constantFrom(1e-5, 1e-3, 0.1),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  activation: fc.constantFrom<BatchNormTrainingActivation>('linear', 'relu'),
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

/** Plain reference in float64: per-channel mean, biased variance, y (before any ReLU). */
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

const relu = (y: Float64Array): Float64Array => y.map((v) => Math.max(v, 0));

/** The reference output of case `c`: y, after the ReLU for `activation: 'relu'`. */
function referenceOutput(c: Case, d: Data): Float64Array {
  const { y } = reference(d.x, c.shape[c.shape.length - 1] as number, d.scale, d.offset, c.epsilon);
  return c.activation === 'relu' ? relu(y) : y;
}

/**
 * The gradients of sum(y * w) in x, scale and offset by central differences of the float64 reference. With the ReLU,
 * the loss is sum(relu(y) * w), whose gradient is that of sum(y * w * [y > 0]) with the mask held at the unperturbed
 * y: differencing across the ReLU's kink, where y is within a step of 0, would give neither side's slope.
 */
function referenceGradients(c: Case, d: Data): Float64Array[] {
  const channels = c.shape[c.shape.length - 1] as number;
  const epsilon = c.epsilon;
  const unperturbed = reference(d.x, channels, d.scale, d.offset, epsilon).y;
  const w = Float64Array.from(d.w, (v, i) => (c.activation === 'relu' && !((unperturbed[i] as number) > 0) ? 0 : v));
  const loss = (x: ArrayLike<number>, scale: ArrayLike<number>, offset: ArrayLike<number>) =>
    reference(x, channels, scale, offset, epsilon).y.reduce((sum, v, i) => sum + v * (w[i] as number), 0);
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
  const options = { activation: c.activation };
  const { y, mean, variance } = batchNormTraining(x, scale, offset, c.epsilon, options);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(a, b, o, c.epsilon, options).y, w)))([
    x,
    scale,
    offset,
  ]);
  expect(y.shape).toEqual(c.shape);
  expect(mean.shape).toEqual([channels]);
  expect(variance.shape).toEqual([channels]);
  const values = await Promise.all([y, mean, variance, ...grads].map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([x, scale, offset, w, y, mean, variance, ...grads]);
  return { y: values[0]!, mean: values[1]!, variance: values[2]!, grads: values.slice(3) };
}

const backends = backendsUnderTest(canRunNative);

afterAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe.each(backends)('batchNormTraining on $name', (backend) => {
  beforeAll(async () => {
    await backend.init();
  });

  it.each<BatchNormTrainingActivation>(['linear', 'relu'])(
    `activation %s: runs ${backend.kernels ? 'two kernels, the ReLU inside them' : 'as tfjs ops'} (only initBackend with the native kernels registers them)`,
    async (activation) => {
      for (const name of Object.values(BATCH_NORM_TRAINING_KERNELS)) expect(tf.getKernel(name, tf.getBackend()) !== undefined).toBe(backend.kernels);
      const x = tf.tensor(randomValues(5, 40), [2, 5, 4]);
      const scale = tf.ones([4]);
      const offset = tf.zeros([4]);
      const profile = await tf.profile(() => {
        const g = tf.grad((a: tf.Tensor) => tf.sum(tf.square(batchNormTraining(a, scale, offset, 1e-5, { activation }).y)))(x);
        g.dispose();
      });
      const names = profile.kernels.map((k) => k.name);
      const count = (name: string) => names.filter((n) => n === name).length;
      const { forward, backward, reluForward, reluBackward } = BATCH_NORM_TRAINING_KERNELS;
      const ran = [forward, backward, reluForward, reluBackward, 'Relu', 'Step'].map(count);
      const relu = activation === 'relu';
      if (backend.kernels) expect(ran).toEqual(relu ? [0, 0, 1, 1, 0, 0] : [1, 1, 0, 0, 0, 0]);
      else expect(ran).toEqual(relu ? [0, 0, 0, 0, 1, 1] : [0, 0, 0, 0, 0, 0]);
      tf.dispose([x, scale, offset]);
    },
  );

  it('y, mean and the biased variance match a plain reference (ranks 2 and 4)', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const d = dataOf(c);
        const channels = c.shape[c.shape.length - 1] as number;
        const got = await run(c, d);
        const want = reference(d.x, channels, d.scale, d.offset, c.epsilon);
        expectClose(got.mean, want.mean, 1e-5);
        expectClose(got.variance, want.variance, 1e-5);
        expectClose(got.y, referenceOutput(c, d), 1e-4);
        if (c.activation === 'relu') expect(got.y.every((v) => v >= 0)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('dx, dscale and doffset match central differences of the plain reference (ranks 2 and 4)', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const d = dataOf(c);
        const got = await run(c, d);
        const want = referenceGradients(c, d);
        for (let i = 0; i < 3; i++) expectClose(got.grads[i]!, want[i]!, 1e-3);
      }),
      { numRuns: 30 },
    );
  });

  it("activation 'relu' gives tf.relu of the linear op's output, and the same gradients", async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const d = dataOf(c);
        const fused = await run({ ...c, activation: 'relu' }, d);
        const x = tf.tensor(d.x, c.shape);
        const scale = tf.tensor1d(d.scale);
        const offset = tf.tensor1d(d.offset);
        const w = tf.tensor(d.w, c.shape);
        const loss = (a: tf.Tensor, b: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(tf.relu(batchNormTraining(a, b, o, c.epsilon).y), w));
        const separate = tf.grads(loss)([x, scale, offset]);
        const y = tf.tidy(() => tf.relu(batchNormTraining(x, scale, offset, c.epsilon).y));
        expectClose(fused.y, await y.data(), 1e-6);
        for (const [i, g] of separate.entries()) expectClose(fused.grads[i]!, await g.data(), 1e-5);
        tf.dispose([x, scale, offset, w, y, ...separate]);
      }),
      { numRuns: 20 },
    );
  });

  it('keeps its variance for data far from 0 (no sum of squares minus a squared sum)', async () => {
    const c: Case = { shape: [64, 4, 4, 3], epsilon: 1e-5, seed: 7, activation: 'linear' };
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
    for (const activation of ['linear', 'relu'] as const) {
      const out = batchNormTraining(x, scale, offset, 1e-5, { activation });
      tf.dispose([out.y, out.mean, out.variance]);
      const loss = () => tf.sum(tf.square(batchNormTraining(x, scale, offset, 1e-5, { activation }).y)) as tf.Scalar;
      const { value, grads } = tf.variableGrads(loss, [scale, offset]);
      tf.dispose([value, ...Object.values(grads)]);
      tf.tidy(() => {
        batchNormTraining(x, scale, offset, 1e-5, { activation });
      });
    }
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
      [() => batchNormTraining(x, c3, c3, 1e-5, null as unknown as BatchNormTrainingOptions), /options must be an options object; got null/],
      [
        () => batchNormTraining(x, c3, c3, 1e-5, { activation: 'gelu' as BatchNormTrainingActivation }),
        /options.activation must be one of "linear", "relu"; got "gelu"/,
      ],
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
      for (const activation of ['linear', 'relu'] as const) {
        const c: Case = { shape, epsilon: 1e-5, seed: shape[0]!, activation };
        const { fallback, native } = await bothWays(c, dataOf(c));
        expectAgree(native, fallback, 1e-5);
      }
    }
  });

  /** The addon without the functions `missing`, as one built before them. */
  function olderAddon(missing: readonly (keyof NativeAddon)[]): NativeAddon {
    const addon = nativeAddon as NativeAddon;
    return Object.fromEntries(
      Object.getOwnPropertyNames(addon)
        .filter((name) => !missing.includes(name as keyof NativeAddon))
        .map((name) => [name, (addon as unknown as Record<string, unknown>)[name]]),
    ) as unknown as NativeAddon;
  }

  const { forward, backward, reluForward, reluBackward } = BATCH_NORM_TRAINING_KERNELS;
  it.each([
    {
      built: 'before the batch-norm training kernels: the op runs as tfjs ops',
      missing: ['batchNormTraining', 'batchNormTrainingGrad', 'batchNormReluTraining', 'batchNormReluTrainingGrad'] as const,
      registered: [],
      reluRuns: ['Relu'],
    },
    {
      built: "before the ReLU pair: activation 'relu' runs the plain pair and tfjs' relu",
      missing: ['batchNormReluTraining', 'batchNormReluTrainingGrad'] as const,
      registered: [forward, backward],
      reluRuns: [forward, 'Relu', backward],
    },
  ])('an addon built $built; it keeps the other kernels', async ({ missing, registered, reluRuns }) => {
    const addon = nativeAddon as NativeAddon;
    await initBackend({ backend: 'wasm', native: 'on' });
    const older = olderAddon(missing);
    const cs = (['linear', 'relu'] as const).map((activation): Case => ({ shape: [4, 3, 3, 5], epsilon: 1e-3, seed: 11, activation }));
    const d = dataOf(cs[0]!);
    const current = await Promise.all(cs.map((c) => run(c, d)));
    expect(typeof older.conv2d).toBe('function');
    disableNativeKernels();
    enableNativeKernels(older);
    try {
      expect(nativeKernelsActive()).toBe(true);
      const all = Object.values(BATCH_NORM_TRAINING_KERNELS);
      expect(nativeKernelNames(older).filter((name) => (all as string[]).includes(name))).toEqual(registered);
      expect(nativeKernelNames(addon)).toEqual(expect.arrayContaining(all));
      for (const name of all) expect(tf.getKernel(name, 'wasm') !== undefined).toBe((registered as string[]).includes(name));
      expect(tf.getKernel('Conv2D', 'wasm')).toBeDefined();
      for (const [i, c] of cs.entries()) expectAgree(await run(c, d), current[i]!, 1e-5);
      const x = tf.tensor(d.x, cs[0]!.shape);
      const ones = tf.ones([5]);
      const profile = await tf.profile(() => {
        tf.grad((a: tf.Tensor) => tf.sum(batchNormTraining(a, ones, ones, 1e-3, { activation: 'relu' }).y))(x).dispose();
      });
      const names = profile.kernels.map((k) => k.name).filter((name) => [...all, 'Relu'].includes(name));
      expect(names).toEqual(reluRuns);
      tf.dispose([x, ones]);
    } finally {
      disableNativeKernels();
      await initBackend({ backend: 'wasm', native: 'on' });
    }
    for (const name of [forward, reluForward, reluBackward]) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it('initBackend reports the kernels with the others', async () => {
    const report = await initBackend({ backend: 'wasm', native: 'on' });
    expect(report.native?.kernels).toEqual(expect.arrayContaining([...Object.values(BATCH_NORM_TRAINING_KERNELS), 'Conv2D']));
  });
});
