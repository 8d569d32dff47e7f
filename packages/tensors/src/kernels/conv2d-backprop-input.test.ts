import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, beforeAll } from 'vitest';
import { inputGradientTuning } from './conv2d-backprop-input.js';
import {
  type ConvCase,
  convCases,
  convInfo,
  expectClose,
  inputGradientReference,
  memoryProbe,
  randomValues,
  runKernel,
  valuesOn,
} from '../../test/kernels.js';
import { stockKernel } from './wasm-ops.js';
import { initBackend } from '../backend.js';

// These test selfsup's wasm kernels themselves: without the optional native kernels that can replace some of them.
beforeAll(async () => {
  await initBackend({ backend: 'wasm', native: 'off' });
});

function attrs(c: ConvCase, dataFormat: 'NHWC' | 'NCHW' = 'NHWC') {
  return { strides: c.strides, pad: c.pad, dataFormat, dimRoundingMode: c.dimRoundingMode, inputShape: [c.batch, c.height, c.width, c.channels] };
}

function filterShape(c: ConvCase): [number, number, number, number] {
  return [c.kernel[0], c.kernel[1], c.channels, c.channelsOut];
}

const defaultThreshold = inputGradientTuning.stockBelowMultiplyAddsPerPhase;

describe('Conv2DBackpropInput (wasm)', () => {
  afterEach(() => {
    inputGradientTuning.stockBelowMultiplyAddsPerPhase = defaultThreshold;
  });

  it('replaces the stock kernel and keeps it callable', () => {
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBeDefined();
    expect(stockKernel('Conv2DBackpropInput')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).not.toBe(stockKernel('Conv2DBackpropInput')?.kernelFunc);
  });

  it.each([
    ['the phased path', 0],
    ['the stock fallback', Number.POSITIVE_INFINITY],
  ])('matches a loop reference and the cpu backend over strides, paddings and rounding modes (%s)', async (_, threshold) => {
    inputGradientTuning.stockBelowMultiplyAddsPerPhase = threshold;
    await fc.assert(
      fc.asyncProperty(convCases(), async (c) => {
        const info = convInfo(c, false);
        const dy = randomValues(c.seed, c.batch * info.outHeight * info.outWidth * c.channelsOut);
        const w = randomValues(c.seed + 1, c.kernel[0] * c.kernel[1] * c.channels * c.channelsOut);
        const run = () => runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dy, info.outShape), filter: tf.tensor4d(w, filterShape(c)) }, attrs(c));
        const wasm = await valuesOn('wasm', run);
        const cpu = await valuesOn('cpu', run);
        expect(wasm.shapes[0]).toEqual(info.inShape);
        expectClose(wasm.values[0]!, inputGradientReference(dy, w, info, false));
        expectClose(wasm.values[0]!, cpu.values[0]!);
      }),
      { numRuns: 40 },
    );
  });

  it('agrees with the stock kernel on layer-like problems', async () => {
    inputGradientTuning.stockBelowMultiplyAddsPerPhase = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 2, max: 4 }),
          size: fc.integer({ min: 8, max: 14 }),
          channels: fc.integer({ min: 6, max: 12 }),
          channelsOut: fc.integer({ min: 6, max: 12 }),
          kernel: fc.integer({ min: 1, max: 5 }),
          stride: fc.integer({ min: 1, max: 3 }),
          pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
          seed: fc.nat(),
        }),
        async (p) => {
          const c: ConvCase = {
            batch: p.batch,
            height: p.size,
            width: p.size + 1,
            channels: p.channels,
            channelsOut: p.channelsOut,
            kernel: [p.kernel, p.kernel],
            strides: [p.stride, p.stride],
            dilations: [1, 1],
            pad: p.pad,
            dimRoundingMode: undefined,
            seed: p.seed,
          };
          const info = convInfo(c, false);
          const dy = randomValues(p.seed, c.batch * info.outHeight * info.outWidth * c.channelsOut);
          const w = randomValues(p.seed + 1, p.kernel * p.kernel * c.channels * c.channelsOut);
          const backend = tf.backend();
          const dyT = tf.tensor4d(dy, info.outShape);
          const wT = tf.tensor4d(w, filterShape(c));
          const ours = runKernel('Conv2DBackpropInput', { dy: dyT, filter: wT }, attrs(c));
          const stockOut = stockKernel('Conv2DBackpropInput')!.kernelFunc({
            inputs: { dy: dyT, filter: wT },
            backend,
            attrs: attrs(c) as unknown as tf.NamedAttrMap,
          }) as tf.TensorInfo;
          const stock = tf.engine().makeTensorFromTensorInfo(stockOut);
          expectClose(await ours.data(), await stock.data());
          expectClose(await ours.data(), inputGradientReference(dy, w, info, false));
          tf.dispose([dyT, wT, ours, stock]);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('gives the input gradient of tf.conv2d that the cpu backend gives', async () => {
    inputGradientTuning.stockBelowMultiplyAddsPerPhase = 0;
    await fc.assert(
      fc.asyncProperty(convCases({ rounding: false }), async (c) => {
        const info = convInfo(c, false);
        const x = randomValues(c.seed, c.batch * c.height * c.width * c.channels);
        const w = randomValues(c.seed + 2, c.kernel[0] * c.kernel[1] * c.channels * c.channelsOut);
        const r = randomValues(c.seed + 3, c.batch * info.outHeight * info.outWidth * c.channelsOut);
        const run = () =>
          tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xs as tf.Tensor4D, tf.tensor4d(w, filterShape(c)), c.strides, c.pad), tf.tensor4d(r, info.outShape))))(
            tf.tensor4d(x, info.inShape),
          );
        expectClose((await valuesOn('wasm', run)).values[0]!, (await valuesOn('cpu', run)).values[0]!);
      }),
      { numRuns: 25 },
    );
  });

  it('runs tf.conv2dTranspose (its forward op) like the cpu backend', async () => {
    inputGradientTuning.stockBelowMultiplyAddsPerPhase = 0;
    await fc.assert(
      fc.asyncProperty(convCases(), async (c) => {
        const info = convInfo(c, false);
        const dy = randomValues(c.seed, c.batch * info.outHeight * info.outWidth * c.channelsOut);
        const w = randomValues(c.seed + 1, c.kernel[0] * c.kernel[1] * c.channels * c.channelsOut);
        const run = () =>
          tf.conv2dTranspose(tf.tensor4d(dy, info.outShape), tf.tensor4d(w, filterShape(c)), info.inShape, c.strides, c.pad, c.dimRoundingMode);
        const wasm = await valuesOn('wasm', run);
        expect(wasm.shapes[0]).toEqual(info.inShape);
        expectClose(wasm.values[0]!, (await valuesOn('cpu', run)).values[0]!);
      }),
      { numRuns: 25 },
    );
  });

  it('handles NCHW data like the cpu backend', async () => {
    inputGradientTuning.stockBelowMultiplyAddsPerPhase = 0;
    const dy = randomValues(1, 2 * 4 * 4 * 3);
    const w = randomValues(2, 3 * 3 * 5 * 4);
    const a = { strides: 2, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 5, 7, 6] };
    const run = () => runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dy, [2, 4, 4, 3]), filter: tf.tensor4d(w, [3, 3, 5, 4]) }, a);
    expectClose((await valuesOn('wasm', run)).values[0]!, (await valuesOn('cpu', run)).values[0]!);
  });

  it('leaks no tensors and no wasm buffers (phased and stock paths)', () => {
    const big = () => {
      const dy = tf.randomNormal([4, 8, 8, 16]) as tf.Tensor4D;
      const f = tf.randomNormal([3, 3, 8, 16]) as tf.Tensor4D;
      return [dy, f] as const;
    };
    const [dy, f] = big();
    const small = tf.randomNormal([1, 2, 2, 2]) as tf.Tensor4D;
    const smallFilter = tf.randomNormal([1, 1, 2, 2]) as tf.Tensor4D;
    const once = () => {
      tf.dispose(tf.conv2dTranspose(dy, f, [4, 16, 16, 8], 2, 'same'));
      tf.dispose(tf.conv2dTranspose(small, smallFilter, [1, 5, 5, 2], 3, 'same'));
    };
    once();
    const before = memoryProbe();
    for (let i = 0; i < 3; i++) once();
    expect(memoryProbe()).toEqual(before);
    tf.dispose([dy, f, small, smallFilter]);
  });
});
