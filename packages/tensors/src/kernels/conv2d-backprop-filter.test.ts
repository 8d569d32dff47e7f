import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, beforeAll } from 'vitest';
import { filterGradientTuning } from './conv2d-backprop-filter.js';
import {
  type ConvCase,
  convCases,
  convInfo,
  expectClose,
  filterGradientReference,
  memoryProbe,
  randomValues,
  runKernel,
  valuesOn,
} from '../../test/kernels.js';
import { initBackend } from '../backend.js';

// These test selfsup's wasm kernels themselves: without the optional native kernels that can replace some of them.
beforeAll(async () => {
  await initBackend({ backend: 'wasm', native: 'off' });
});

function attrs(c: ConvCase, dataFormat: 'NHWC' | 'NCHW' = 'NHWC') {
  return {
    strides: c.strides,
    pad: c.pad,
    dataFormat,
    dimRoundingMode: c.dimRoundingMode,
    filterShape: [c.kernel[0], c.kernel[1], c.channels, c.channelsOut],
  };
}

const defaultSwap = filterGradientTuning.swapWhenDyExceedsX;

describe('Conv2DBackpropFilter (wasm)', () => {
  afterEach(() => {
    filterGradientTuning.swapWhenDyExceedsX = defaultSwap;
  });

  it('is registered for wasm by initBackend', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each([
    ['dy as the filter', Number.POSITIVE_INFINITY],
    ['x as the filter at stride 1', 0],
  ])('matches a loop reference and the cpu backend over strides, paddings and rounding modes (%s)', async (_, swap) => {
    filterGradientTuning.swapWhenDyExceedsX = swap;
    await fc.assert(
      fc.asyncProperty(convCases(), async (c) => {
        const info = convInfo(c, false);
        const x = randomValues(c.seed, c.batch * c.height * c.width * c.channels);
        const dy = randomValues(c.seed + 1, c.batch * info.outHeight * info.outWidth * c.channelsOut);
        const run = () => runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, info.inShape), dy: tf.tensor4d(dy, info.outShape) }, attrs(c));
        const wasm = await valuesOn('wasm', run);
        const cpu = await valuesOn('cpu', run);
        expect(wasm.shapes[0]).toEqual([c.kernel[0], c.kernel[1], c.channels, c.channelsOut]);
        expectClose(wasm.values[0]!, filterGradientReference(x, dy, info, false));
        expectClose(wasm.values[0]!, cpu.values[0]!);
      }),
      { numRuns: 40 },
    );
  });

  it('gives the filter gradient of tf.conv2d that the cpu backend gives', async () => {
    await fc.assert(
      fc.asyncProperty(convCases({ rounding: false }), async (c) => {
        const info = convInfo(c, false);
        const x = randomValues(c.seed, c.batch * c.height * c.width * c.channels);
        const w = randomValues(c.seed + 2, c.kernel[0] * c.kernel[1] * c.channels * c.channelsOut);
        const weights = randomValues(c.seed + 3, c.batch * info.outHeight * info.outWidth * c.channelsOut);
        const run = () => {
          const loss = (xs: tf.Tensor4D, f: tf.Tensor4D) =>
            tf.sum(tf.mul(tf.conv2d(xs, f, c.strides, c.pad), tf.tensor4d(weights, info.outShape as [number, number, number, number])));
          return tf.grads(loss as (...args: tf.Tensor[]) => tf.Tensor)([tf.tensor4d(x, info.inShape), tf.tensor4d(w, [c.kernel[0], c.kernel[1], c.channels, c.channelsOut])]);
        };
        const wasm = await valuesOn('wasm', run);
        const cpu = await valuesOn('cpu', run);
        expectClose(wasm.values[1]!, cpu.values[1]!);
        expectClose(wasm.values[0]!, cpu.values[0]!);
      }),
      { numRuns: 25 },
    );
  });

  it.each([
    ['dy as the filter', Number.POSITIVE_INFINITY, [2, 1]],
    ['x as the filter at stride 1', 0, [1, 1]],
  ] as const)('handles NCHW data like the cpu backend (%s)', async (_, swap, strides) => {
    filterGradientTuning.swapWhenDyExceedsX = swap;
    const c: ConvCase = { batch: 2, height: 7, width: 6, channels: 3, channelsOut: 4, kernel: [3, 2], strides: [...strides], dilations: [1, 1], pad: 'same', dimRoundingMode: undefined, seed: 5 };
    const info = convInfo(c, false);
    const x = randomValues(1, 2 * 3 * 7 * 6);
    const dy = randomValues(2, 2 * 4 * info.outHeight * info.outWidth);
    const run = () =>
      runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, [2, 3, 7, 6]), dy: tf.tensor4d(dy, [2, 4, info.outHeight, info.outWidth]) }, attrs(c, 'NCHW'));
    const wasm = await valuesOn('wasm', run);
    const cpu = await valuesOn('cpu', run);
    expectClose(wasm.values[0]!, cpu.values[0]!);
  });

  it('matches the cpu backend on a layer-sized problem', async () => {
    const c: ConvCase = { batch: 4, height: 16, width: 16, channels: 8, channelsOut: 16, kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pad: 'same', dimRoundingMode: undefined, seed: 9 };
    const info = convInfo(c, false);
    const x = randomValues(3, 4 * 16 * 16 * 8);
    const dy = randomValues(4, 4 * 8 * 8 * 16);
    const run = () => runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, info.inShape), dy: tf.tensor4d(dy, info.outShape) }, attrs(c));
    expectClose((await valuesOn('wasm', run)).values[0]!, (await valuesOn('cpu', run)).values[0]!);
  });

  it('leaks no tensors and no wasm buffers', () => {
    const x = tf.randomNormal([2, 9, 8, 3]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 5]) as tf.Tensor4D;
    const grad = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, [[0, 0], [1, 2], [0, 1], [0, 0]])))([x, f]);
    tf.dispose(grad()); // first call sets up what tfjs caches
    const before = memoryProbe();
    for (let i = 0; i < 3; i++) tf.dispose(grad());
    expect(memoryProbe()).toEqual(before);
    tf.dispose([x, f]);
  });
});
