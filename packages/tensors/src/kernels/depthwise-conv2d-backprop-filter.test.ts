import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it, beforeAll } from 'vitest';
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

function attrs(c: ConvCase) {
  return {
    strides: c.strides,
    dilations: c.dilations,
    pad: c.pad,
    dimRoundingMode: c.dimRoundingMode,
    filterShape: [c.kernel[0], c.kernel[1], c.channels, c.channelsOut],
  };
}

describe('DepthwiseConv2dNativeBackpropFilter (wasm)', () => {
  it('is registered for wasm (stock wasm has none)', () => {
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeDefined();
  });

  it('matches a loop reference and the cpu backend over strides, paddings, multipliers and rounding modes', async () => {
    await fc.assert(
      fc.asyncProperty(convCases(), async (c) => {
        const info = convInfo(c, true);
        const x = randomValues(c.seed, c.batch * c.height * c.width * c.channels);
        const dy = randomValues(c.seed + 1, c.batch * info.outHeight * info.outWidth * info.outChannels);
        const run = () => runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor4d(x, info.inShape), dy: tf.tensor4d(dy, info.outShape) }, attrs(c));
        const wasm = await valuesOn('wasm', run);
        expect(wasm.shapes[0]).toEqual([c.kernel[0], c.kernel[1], c.channels, c.channelsOut]);
        expectClose(wasm.values[0]!, filterGradientReference(x, dy, info, true));
        expectClose(wasm.values[0]!, (await valuesOn('cpu', run)).values[0]!);
      }),
      { numRuns: 40 },
    );
  });

  it('handles dilations, with or without strides, like a loop reference', async () => {
    // tfjs's cpu kernel ignores dilations here (tfjs only asks for undilated gradients), so the loop is the reference.
    await fc.assert(
      fc.asyncProperty(convCases({ dilation: 'any' }), async (c) => {
        const info = convInfo(c, true);
        const x = randomValues(c.seed, c.batch * c.height * c.width * c.channels);
        const dy = randomValues(c.seed + 1, c.batch * info.outHeight * info.outWidth * info.outChannels);
        const run = () => runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor4d(x, info.inShape), dy: tf.tensor4d(dy, info.outShape) }, attrs(c));
        expectClose((await valuesOn('wasm', run)).values[0]!, filterGradientReference(x, dy, info, true));
      }),
      { numRuns: 40 },
    );
  });

  it('gives the gradients of tf.depthwiseConv2d that the cpu backend gives', async () => {
    await fc.assert(
      fc.asyncProperty(convCases({ rounding: false }), async (c) => {
        const info = convInfo(c, true);
        const fShape: [number, number, number, number] = [c.kernel[0], c.kernel[1], c.channels, c.channelsOut];
        const x = randomValues(c.seed, c.batch * c.height * c.width * c.channels);
        const w = randomValues(c.seed + 2, fShape.reduce((a, b) => a * b, 1));
        const r = randomValues(c.seed + 3, c.batch * info.outHeight * info.outWidth * info.outChannels);
        const run = () =>
          tf.grads((xs: tf.Tensor, f: tf.Tensor) =>
            tf.sum(tf.mul(tf.depthwiseConv2d(xs as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad), tf.tensor4d(r, info.outShape))),
          )([tf.tensor4d(x, info.inShape), tf.tensor4d(w, fShape)]);
        const wasm = await valuesOn('wasm', run);
        const cpu = await valuesOn('cpu', run);
        expectClose(wasm.values[0]!, cpu.values[0]!);
        expectClose(wasm.values[1]!, cpu.values[1]!);
      }),
      { numRuns: 25 },
    );
  });

  it('leaks no tensors and no wasm buffers', () => {
    const x = tf.randomNormal([2, 9, 8, 3]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 2]) as tf.Tensor4D;
    const grad = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, f]);
    tf.dispose(grad());
    const before = memoryProbe();
    for (let i = 0; i < 3; i++) tf.dispose(grad());
    expect(memoryProbe()).toEqual(before);
    tf.dispose([x, f]);
  });
});
