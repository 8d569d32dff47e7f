import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it, beforeAll } from 'vitest';
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
import { initBackend } from '../backend.js';

// These test selfsup's wasm kernels themselves: without the optional native kernels that can replace some of them.
beforeAll(async () => {
  await initBackend({ backend: 'wasm', native: 'off' });
});

function attrs(c: ConvCase) {
  return { strides: c.strides, dilations: c.dilations, pad: c.pad, dimRoundingMode: c.dimRoundingMode, inputShape: [c.batch, c.height, c.width, c.channels] };
}

function run(c: ConvCase, dy: Float32Array, w: Float32Array) {
  const info = convInfo(c, true);
  return () =>
    runKernel(
      'DepthwiseConv2dNativeBackpropInput',
      { dy: tf.tensor4d(dy, info.outShape), filter: tf.tensor4d(w, [c.kernel[0], c.kernel[1], c.channels, c.channelsOut]) },
      attrs(c),
    );
}

describe('DepthwiseConv2dNativeBackpropInput (wasm)', () => {
  it('is registered for wasm (stock wasm has none)', () => {
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
  });

  it('matches a loop reference and the cpu backend over strides, paddings, multipliers and rounding modes', async () => {
    await fc.assert(
      fc.asyncProperty(convCases(), async (c) => {
        const info = convInfo(c, true);
        const dy = randomValues(c.seed, c.batch * info.outHeight * info.outWidth * info.outChannels);
        const w = randomValues(c.seed + 1, c.kernel[0] * c.kernel[1] * c.channels * c.channelsOut);
        const wasm = await valuesOn('wasm', run(c, dy, w));
        expect(wasm.shapes[0]).toEqual(info.inShape);
        expectClose(wasm.values[0]!, inputGradientReference(dy, w, info, true));
        expectClose(wasm.values[0]!, (await valuesOn('cpu', run(c, dy, w))).values[0]!);
      }),
      { numRuns: 40 },
    );
  });

  it('handles dilations, with or without strides, like a loop reference', async () => {
    // tfjs's cpu kernel ignores dilations here (tfjs only asks for undilated gradients), so the loop is the reference.
    await fc.assert(
      fc.asyncProperty(convCases({ dilation: 'any' }), async (c) => {
        const info = convInfo(c, true);
        const dy = randomValues(c.seed, c.batch * info.outHeight * info.outWidth * info.outChannels);
        const w = randomValues(c.seed + 1, c.kernel[0] * c.kernel[1] * c.channels * c.channelsOut);
        expectClose((await valuesOn('wasm', run(c, dy, w))).values[0]!, inputGradientReference(dy, w, info, true));
      }),
      { numRuns: 40 },
    );
  });

  it('leaks no tensors and no wasm buffers (phased and dilated paths)', () => {
    const dy = tf.randomNormal([2, 5, 4, 6]);
    const f = tf.randomNormal([3, 3, 3, 2]);
    const once = () => {
      tf.dispose(runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { strides: 2, dilations: 1, pad: 'same', inputShape: [2, 9, 8, 3] }));
      tf.dispose(runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { strides: 2, dilations: 2, pad: 'same', inputShape: [2, 9, 8, 3] }));
    };
    once();
    const before = memoryProbe();
    for (let i = 0; i < 3; i++) once();
    expect(memoryProbe()).toEqual(before);
    tf.dispose([dy, f]);
  });
});
