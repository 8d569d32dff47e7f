import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import {
  type ConvCase,
  convCases,
  convInfo,
  expectClose,
  filterGradientReference,
  inputGradientReference,
  memoryProbe,
  randomValues,
  runKernel,
  valuesOn,
} from '../../../test/kernels.js';
import { loadNativeAddon } from './addon.js';
import { elementwiseTuning, nativeKernelStats, nativeKernelsActive } from './kernels.js';

const load = await loadNativeAddon(process.env);
const title = load.ok ? 'native oneDNN kernels on wasm' : `native oneDNN kernels on wasm (SKIPPED: ${load.why})`;

function filterShape(c: ConvCase): [number, number, number, number] {
  return [c.kernel[0], c.kernel[1], c.channels, c.channelsOut];
}

function convAttrs(c: ConvCase) {
  return { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations, dimRoundingMode: c.dimRoundingMode };
}

/** Runs `fn` and says how many native runs and fallbacks it caused. */
async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; native: number; fallbacks: number }> {
  const before = { ...nativeKernelStats };
  const result = await fn();
  return { result, native: nativeKernelStats.native - before.native, fallbacks: nativeKernelStats.fallbacks - before.fallbacks };
}

/** Loop reference for a conv2d forward (NHWC x, HWIO filter), any stride/dilation/padding. */
function convReference(x: Float32Array, w: Float32Array, info: tf.backend_util.Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const y = new Float32Array(batchSize * outHeight * outWidth * outChannels);
  for (let n = 0; n < batchSize; n++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++)
        for (let o = 0; o < outChannels; o++) {
          let acc = 0;
          for (let kh = 0; kh < filterHeight; kh++) {
            const h = oh * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
            if (h < 0 || h >= inHeight) continue;
            for (let kw = 0; kw < filterWidth; kw++) {
              const wi = ow * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
              if (wi < 0 || wi >= inWidth) continue;
              for (let c = 0; c < inChannels; c++) {
                acc += (x[((n * inHeight + h) * inWidth + wi) * inChannels + c] as number) * (w[((kh * filterWidth + kw) * inChannels + c) * outChannels + o] as number);
              }
            }
          }
          y[((n * outHeight + oh) * outWidth + ow) * outChannels + o] = acc;
        }
  return y;
}

describe.skipIf(!load.ok)(title, () => {
  beforeAll(async () => {
    const report = await initBackend({ backend: 'wasm', native: 'on' });
    expect(report.native?.library).toMatch(/^oneDNN/);
    expect(report.description).toMatch(/^wasm (\(\d+ threads\) )?\+ oneDNN \d+\.\d+\.\d+ \(\d+ threads?\)$/);
    expect(['platform-package', 'local-build', 'env']).toContain(report.native?.source);
  });
  afterAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('are registered by initBackend and reported', async () => {
    expect(nativeKernelsActive()).toBe(true);
    const report = await initBackend({ backend: 'wasm', native: 'on' });
    expect(report.native?.kernels).toContain('Conv2DBackpropFilter');
    expect(report.reason).toMatch(/oneDNN/);
  });

  it('Conv2D matches a loop reference and the cpu backend over strides, dilations, paddings, rounding modes', async () => {
    await fc.assert(
      fc.asyncProperty(convCases({ dilation: 'unit-stride' }), async (c) => {
        const info = convInfo(c, false);
        const x = randomValues(c.seed, c.batch * c.height * c.width * c.channels);
        const w = randomValues(c.seed + 1, c.kernel[0] * c.kernel[1] * c.channels * c.channelsOut);
        const run = () => runKernel('Conv2D', { x: tf.tensor4d(x, info.inShape), filter: tf.tensor4d(w, filterShape(c)) }, convAttrs(c));
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.native).toBe(1);
        expect(native.result.shapes[0]).toEqual(cpu.shapes[0]);
        expectClose(native.result.values[0]!, convReference(x, w, info));
        expectClose(native.result.values[0]!, cpu.values[0]!);
      }),
      { numRuns: 40 },
    );
  });

  it('FusedConv2D (bias, relu) matches the cpu backend; other activations fall back', async () => {
    await fc.assert(
      fc.asyncProperty(convCases(), fc.constantFrom('linear', 'relu', 'elu'), fc.boolean(), async (c, activation, withBias) => {
        const info = convInfo(c, false);
        const x = randomValues(c.seed, c.batch * c.height * c.width * c.channels);
        const w = randomValues(c.seed + 1, c.kernel[0] * c.kernel[1] * c.channels * c.channelsOut);
        const b = randomValues(c.seed + 2, c.channelsOut);
        const run = () =>
          tf.fused.conv2d({
            x: tf.tensor4d(x, info.inShape),
            filter: tf.tensor4d(w, filterShape(c)),
            strides: c.strides,
            pad: c.pad as 'same',
            ...(c.dimRoundingMode !== undefined ? { dimRoundingMode: c.dimRoundingMode } : {}),
            ...(withBias ? { bias: tf.tensor1d(b) } : {}),
            activation: activation as 'relu',
          });
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.fallbacks).toBe(activation === 'elu' ? 1 : 0);
        // The elu case checks only that it reaches the kernel replaced (stock wasm's elu path is not selfsup's).
        if (activation !== 'elu') expectClose(native.result.values[0]!, cpu.values[0]!);
      }),
      { numRuns: 30 },
    );
  });

  it('Conv2DBackpropInput matches a loop reference and the cpu backend', async () => {
    await fc.assert(
      fc.asyncProperty(convCases(), async (c) => {
        const info = convInfo(c, false);
        const dy = randomValues(c.seed, c.batch * info.outHeight * info.outWidth * c.channelsOut);
        const w = randomValues(c.seed + 1, c.kernel[0] * c.kernel[1] * c.channels * c.channelsOut);
        const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, inputShape: info.inShape };
        const run = () => runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dy, info.outShape), filter: tf.tensor4d(w, filterShape(c)) }, attrs);
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.native).toBe(1);
        expectClose(native.result.values[0]!, inputGradientReference(dy, w, info, false));
        expectClose(native.result.values[0]!, cpu.values[0]!);
      }),
      { numRuns: 40 },
    );
  });

  it('Conv2DBackpropFilter matches a loop reference and the cpu backend', async () => {
    await fc.assert(
      fc.asyncProperty(convCases(), async (c) => {
        const info = convInfo(c, false);
        const x = randomValues(c.seed, c.batch * c.height * c.width * c.channels);
        const dy = randomValues(c.seed + 1, c.batch * info.outHeight * info.outWidth * c.channelsOut);
        const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, filterShape: filterShape(c) };
        const run = () => runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, info.inShape), dy: tf.tensor4d(dy, info.outShape) }, attrs);
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.native).toBe(1);
        expectClose(native.result.values[0]!, filterGradientReference(x, dy, info, false));
        expectClose(native.result.values[0]!, cpu.values[0]!);
      }),
      { numRuns: 40 },
    );
  });

  it('BatchMatMul and _FusedMatMul match the cpu backend over transposes, batch broadcasting, bias and relu', async () => {
    const cases = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      broadcast: fc.constantFrom('none', 'a', 'b'),
      m: fc.integer({ min: 1, max: 7 }),
      k: fc.integer({ min: 1, max: 7 }),
      n: fc.integer({ min: 1, max: 7 }),
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
      fused: fc.constantFrom('no', 'linear', 'relu'),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const batchA = c.broadcast === 'a' ? 1 : c.batch;
        const batchB = c.broadcast === 'b' ? 1 : c.batch;
        const aShape = [batchA, ...(c.transposeA ? [c.k, c.m] : [c.m, c.k])];
        const bShape = [batchB, ...(c.transposeB ? [c.n, c.k] : [c.k, c.n])];
        const a = randomValues(c.seed, batchA * c.m * c.k);
        const b = randomValues(c.seed + 1, batchB * c.k * c.n);
        const bias = randomValues(c.seed + 2, c.n);
        const run = () =>
          c.fused === 'no'
            ? tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), c.transposeA, c.transposeB)
            : tf.fused.matMul({
                a: tf.tensor(a, aShape),
                b: tf.tensor(b, bShape),
                transposeA: c.transposeA,
                transposeB: c.transposeB,
                bias: tf.tensor1d(bias),
                activation: c.fused as 'relu',
              });
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.native).toBe(1);
        expect(native.fallbacks).toBe(0);
        expect(native.result.shapes[0]).toEqual(cpu.shapes[0]);
        expectClose(native.result.values[0]!, cpu.values[0]!);
      }),
      { numRuns: 40 },
    );
  });

  it('Sum and Mean over any contiguous run of axes (keepDims or not) match the cpu backend', async () => {
    const cases = fc
      .record({
        shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        from: fc.nat(),
        length: fc.nat(),
        keepDims: fc.boolean(),
        mean: fc.boolean(),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      })
      .map((c) => {
        const first = c.from % c.shape.length;
        const count = 1 + (c.length % (c.shape.length - first));
        return { ...c, axes: Array.from({ length: count }, (_, i) => first + i) };
      });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const x = randomValues(c.seed, c.shape.reduce((p, q) => p * q, 1));
        const run = () => (c.mean ? tf.mean(tf.tensor(x, c.shape), c.axes, c.keepDims) : tf.sum(tf.tensor(x, c.shape), c.axes, c.keepDims));
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.native).toBe(1);
        expect(native.result.shapes[0]).toEqual(cpu.shapes[0]);
        expectClose(native.result.values[0]!, cpu.values[0]!, 1e-5);
      }),
      { numRuns: 40 },
    );
  });

  it('Add, Sub, Multiply, RealDiv, SquaredDifference (same shape, per-channel and scalar broadcasting) match the cpu backend', async () => {
    elementwiseTuning.minElements = 0;
    try {
      const cases = fc.record({
        shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        modes: fc.tuple(fc.constantFrom('full', 'channel', 'scalar'), fc.constantFrom('full', 'channel', 'scalar')),
        op: fc.constantFrom('add', 'sub', 'mul', 'div', 'squaredDifference'),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      });
      const ops = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div, squaredDifference: tf.squaredDifference } as const;
      await fc.assert(
        fc.asyncProperty(cases, async (c) => {
          const shapeOf = (mode: string) => (mode === 'full' ? c.shape : mode === 'channel' ? [c.shape[c.shape.length - 1]!] : []);
          const [sa, sb] = [shapeOf(c.modes[0]), shapeOf(c.modes[1])];
          const a = randomValues(c.seed, sa.reduce((p, q) => p * q, 1));
          // Divisors kept away from 0.
          const b = randomValues(c.seed + 1, sb.reduce((p, q) => p * q, 1)).map((v) => (c.op === 'div' ? v + Math.sign(v || 1) * 0.5 : v));
          const run = () => ops[c.op](tf.tensor(a, sa), tf.tensor(b, sb));
          const native = await counted(() => valuesOn('wasm', run));
          const cpu = await valuesOn('cpu', run);
          expect(native.native).toBe(1);
          expect(native.result.shapes[0]).toEqual(cpu.shapes[0]);
          expectClose(native.result.values[0]!, cpu.values[0]!, 1e-5);
        }),
        { numRuns: 50 },
      );
    } finally {
      elementwiseTuning.minElements = 4096;
    }
  });

  it('Add, Multiply on large one-channel images (rows of one element, the flat and threaded path) match the cpu backend', async () => {
    for (const [shape, other] of [
      [[128, 40, 40, 1], [128, 40, 40, 1]],
      [[128, 40, 40, 1], []],
      [[3, 7, 1], [3, 7, 1]],
    ] as const) {
      const a = randomValues(11, tf.util.sizeFromShape([...shape]));
      const b = randomValues(12, tf.util.sizeFromShape([...other]));
      for (const op of [tf.add, tf.mul]) {
        const run = () => op(tf.tensor(a, [...shape]), tf.tensor(b, [...other]));
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.native).toBe(a.length >= 4096 ? 1 : 0);
        expect(Array.from(native.result.values[0]!)).toEqual(Array.from(cpu.values[0]!));
      }
    }
  });

  it('GatherV2 (any axis, indices of any rank) matches the cpu backend; out-of-range indices throw and leak nothing', async () => {
    const cases = fc
      .record({
        shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        axisPick: fc.nat(),
        indexShape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      })
      .map((c) => ({ ...c, axis: c.axisPick % c.shape.length }));
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const x = randomValues(c.seed, c.shape.reduce((p, q) => p * q, 1));
        const dim = c.shape[c.axis]!;
        const count = c.indexShape.reduce((p, q) => p * q, 1);
        const indices = Array.from(randomValues(c.seed + 1, count), (v) => Math.floor(((v + 1) / 2) * dim) % dim);
        const run = () => tf.gather(tf.tensor(x, c.shape), tf.tensor(indices, c.indexShape, 'int32'), c.axis);
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.native).toBe(1);
        expect(native.result.shapes[0]).toEqual(cpu.shapes[0]);
        expect(Array.from(native.result.values[0]!)).toEqual(Array.from(cpu.values[0]!));
      }),
      { numRuns: 40 },
    );
    const x = tf.zeros([4, 3]);
    const bad = tf.tensor1d([0, 4], 'int32');
    const before = memoryProbe();
    expect(() => tf.gather(x, bad)).toThrow('GatherV2: the index value 4 is not in [0, 3]');
    expect(memoryProbe()).toEqual(before);
    tf.dispose([x, bad]);
  });

  it('CropAndResize (bilinear: boxes inside, across the edge, flipped, of one sample) matches the cpu backend; nearest falls back', async () => {
    const coordinate = fc.double({ min: -0.3, max: 1.3, noNaN: true });
    const cases = fc.record({
      image: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 3 })),
      boxes: fc.array(fc.record({ box: fc.tuple(coordinate, coordinate, coordinate, coordinate), index: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 5 }),
      crop: fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 })),
      extrapolation: fc.constantFrom(0, -0.5),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const image = randomValues(c.seed, tf.util.sizeFromShape(c.image));
        // Indices past the batch give zeros in every backend.
        const run = () =>
          tf.image.cropAndResize(
            tf.tensor4d(image, c.image),
            tf.tensor2d(c.boxes.map((b) => b.box)),
            tf.tensor1d(c.boxes.map((b) => b.index), 'int32'),
            c.crop,
            'bilinear',
            c.extrapolation,
          );
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.native).toBe(1);
        expect(native.result.shapes[0]).toEqual(cpu.shapes[0]);
        expectClose(native.result.values[0]!, cpu.values[0]!, 1e-5);
      }),
      { numRuns: 60 },
    );
    const nearest = await counted(() =>
      valuesOn('wasm', () => tf.image.cropAndResize(tf.ones([1, 4, 4, 1]), tf.tensor2d([[0, 0, 1, 1]]), tf.tensor1d([0], 'int32'), [2, 2], 'nearest')),
    );
    expect([nearest.native, nearest.fallbacks]).toEqual([0, 1]);
  });

  it('MirrorPad (reflect and symmetric, any axes padded, ranks 1-4) matches the cpu backend', async () => {
    const cases = fc
      .record({
        shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        mode: fc.constantFrom('reflect' as const, 'symmetric' as const),
        pads: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 4, maxLength: 4 }),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      })
      .map((c) => {
        // The largest padding each mode allows: size - 1 (reflect) or size (symmetric).
        const paddings = c.shape.map((n, d) => {
          const limit = c.mode === 'reflect' ? n - 1 : n;
          const [before, after] = c.pads[d]!;
          return [before % (limit + 1), after % (limit + 1)] as [number, number];
        });
        return { ...c, paddings };
      });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const x = randomValues(c.seed, tf.util.sizeFromShape(c.shape));
        const run = () => tf.mirrorPad(tf.tensor(x, c.shape), c.paddings, c.mode);
        const native = await counted(() => valuesOn('wasm', run));
        const cpu = await valuesOn('cpu', run);
        expect(native.native).toBe(1);
        expect(native.result.shapes[0]).toEqual(cpu.shapes[0]);
        expect(Array.from(native.result.values[0]!)).toEqual(Array.from(cpu.values[0]!));
      }),
      { numRuns: 60 },
    );
  });

  it('FusedBatchNorm (with and without offset and scale) matches the cpu backend', async () => {
    elementwiseTuning.minElements = 0;
    try {
      const cases = fc.record({
        shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        affine: fc.boolean(),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      });
      await fc.assert(
        fc.asyncProperty(cases, async (c) => {
          const channels = c.shape[c.shape.length - 1]!;
          const x = randomValues(c.seed, c.shape.reduce((p, q) => p * q, 1));
          const [mean, offset, scale] = [1, 2, 3].map((k) => randomValues(c.seed + k, channels));
          const variance = randomValues(c.seed + 4, channels).map((v) => v + 1.5);
          const run = () =>
            c.affine
              ? tf.batchNorm(tf.tensor(x, c.shape), tf.tensor1d(mean!), tf.tensor1d(variance), tf.tensor1d(offset!), tf.tensor1d(scale!), 1e-3)
              : tf.batchNorm(tf.tensor(x, c.shape), tf.tensor1d(mean!), tf.tensor1d(variance), undefined, undefined, 1e-3);
          const native = await counted(() => valuesOn('wasm', run));
          const cpu = await valuesOn('cpu', run);
          expect(native.native).toBe(1);
          expectClose(native.result.values[0]!, cpu.values[0]!, 1e-5);
        }),
        { numRuns: 30 },
      );
    } finally {
      elementwiseTuning.minElements = 4096;
    }
  });

  it('frees what it allocates', () => {
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const before = memoryProbe();
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w]);
    tf.dispose(grads);
    expect(memoryProbe()).toEqual(before);
    tf.dispose([x, w]);
  });

  it('are bit-for-bit deterministic: conv forward and both gradients twice on the same inputs', async () => {
    const x = tf.randomNormal([8, 16, 16, 16], 0, 1, 'float32', 3) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 4) as tf.Tensor4D;
    const once = async () => {
      const [y, g] = tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')));
        return [tf.conv2d(x, w, 1, 'same'), tf.grads(f)([x, w])] as const;
      });
      const values = [await y.data(), await g[0]!.data(), await g[1]!.data()];
      tf.dispose([y, ...g]);
      return values;
    };
    const first = await once();
    const second = await once();
    for (let i = 0; i < first.length; i++) expect(Array.from(second[i]!)).toEqual(Array.from(first[i]!));
    tf.dispose([x, w]);
  });

  it('train a small conv net for 20 SGD steps with the loss curve of plain wasm (float tolerance)', async () => {
    async function curve(native: 'on' | 'off'): Promise<number[]> {
      await initBackend({ backend: 'wasm', native });
      const images = tf.randomUniform([16, 12, 12, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
      const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 4), 'int32'), 4);
      const w1 = tf.variable(tf.randomNormal([3, 3, 3, 8], 0, 0.3, 'float32', 6));
      const w2 = tf.variable(tf.randomNormal([3, 3, 8, 16], 0, 0.2, 'float32', 7));
      const b2 = tf.variable(tf.zeros([16]));
      const w3 = tf.variable(tf.randomNormal([16, 4], 0, 0.3, 'float32', 8));
      const b3 = tf.variable(tf.zeros([4]));
      const optimizer = tf.train.sgd(0.1);
      const losses: number[] = [];
      for (let step = 0; step < 20; step++) {
        const loss = optimizer.minimize(() => {
          const h1 = tf.relu(tf.conv2d(images, w1 as tf.Variable<tf.Rank.R4>, 1, 'same'));
          const h2 = tf.fused.conv2d({ x: h1, filter: w2 as tf.Variable<tf.Rank.R4>, strides: 2, pad: 'same', bias: b2, activation: 'relu' });
          const pooled = tf.mean(h2, [1, 2]) as tf.Tensor2D;
          const logits = tf.fused.matMul({ a: pooled, b: w3 as tf.Variable<tf.Rank.R2>, bias: b3 });
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        }, true) as tf.Scalar;
        losses.push((await loss.data())[0] as number);
        loss.dispose();
      }
      optimizer.dispose();
      tf.dispose([images, labels, w1, w2, b2, w3, b3]);
      return losses;
    }
    const before = nativeKernelStats.native;
    const nativeCurve = await curve('on');
    expect(nativeKernelStats.native - before).toBeGreaterThanOrEqual(20 * 7);
    const wasmCurve = await curve('off');
    await initBackend({ backend: 'wasm', native: 'on' });
    expect(nativeCurve[19]).toBeLessThan(nativeCurve[0]!);
    for (let i = 0; i < 20; i++) expect(Math.abs(nativeCurve[i]! - wasmCurve[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(wasmCurve[i]!)));
  });
});

describe('native kernel selection', () => {
  it('SELFSUP_NATIVE=off keeps the plain wasm kernels; a bad mode is an INVALID_ARGUMENT', async () => {
    const report = await initBackend({ backend: 'wasm', env: { SELFSUP_NATIVE: 'off' } });
    expect(report.native).toBeUndefined();
    expect(nativeKernelsActive()).toBe(false);
    await expect(initBackend({ backend: 'wasm', env: { SELFSUP_NATIVE: 'fast' } })).rejects.toThrow(/SELFSUP_NATIVE must be one of/);
    await initBackend({ backend: 'wasm' });
  });

  it('a missing addon is a silent fallback under auto and an error that says why under on', async () => {
    const env = { SELFSUP_NATIVE_ADDON: '/nonexistent/selfsup_dnnl.node' };
    const auto = await initBackend({ backend: 'wasm', env });
    expect(auto.native).toBeUndefined();
    expect(auto.reason).toMatch(/native kernels not used: SELFSUP_NATIVE_ADDON=\/nonexistent\/selfsup_dnnl.node: no such file/);
    await expect(initBackend({ backend: 'wasm', env: { ...env, SELFSUP_NATIVE: 'on' } })).rejects.toThrow(/native kernels were requested but/);
    await expect(initBackend({ env: { ...env, SELFSUP_BACKEND: 'wasm-native' } })).rejects.toThrow(/native kernels were requested/);
    await initBackend({ backend: 'wasm' });
  });
});
