import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { describe, expect, it, beforeAll } from 'vitest';
import { expectClose, memoryProbe, randomValues } from '../../test/kernels.js';
import { type AxisWindow, convolve } from './wasm-ops.js';
import { initBackend } from '../backend.js';

// These test selfsup's wasm kernels themselves: without the optional native kernels that can replace some of them.
beforeAll(async () => {
  await initBackend({ backend: 'wasm', native: 'off' });
});

/** Loop reference for convolve: out[n, oh, ow, :] = sum x[n, oh*s + kh*d - pad, ...] * filter[kh, kw, ...], 0 outside. */
function convolveReference(
  x: Float32Array,
  xShape: [number, number, number, number],
  filter: Float32Array,
  fShape: [number, number, number, number],
  rows: AxisWindow,
  cols: AxisWindow,
  depthwise: boolean,
): Float32Array {
  const [batch, height, width, channels] = xShape;
  const [kh, kw, , fOut] = fShape;
  const outChannels = depthwise ? channels * fOut : fOut;
  const out = new Float32Array(batch * rows.out * cols.out * outChannels);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < rows.out; oh++) {
      for (let ow = 0; ow < cols.out; ow++) {
        for (let i = 0; i < kh; i++) {
          const h = oh * rows.stride + i * rows.dilation - rows.pad;
          if (h < 0 || h >= height) continue;
          for (let j = 0; j < kw; j++) {
            const w = ow * cols.stride + j * cols.dilation - cols.pad;
            if (w < 0 || w >= width) continue;
            const o = ((n * rows.out + oh) * cols.out + ow) * outChannels;
            for (let c = 0; c < channels; c++) {
              const v = x[((n * height + h) * width + w) * channels + c] as number;
              for (let k = 0; k < fOut; k++) {
                const target = depthwise ? o + c * fOut + k : o + k;
                out[target] = (out[target] as number) + v * (filter[((i * kw + j) * channels + c) * fOut + k] as number);
              }
            }
          }
        }
      }
    }
  }
  return out;
}

const window = fc.record({
  stride: fc.integer({ min: 1, max: 3 }),
  dilation: fc.integer({ min: 1, max: 3 }),
  pad: fc.integer({ min: -4, max: 4 }),
  out: fc.integer({ min: 1, max: 5 }),
});

describe('convolve (wasm Conv2D / DepthwiseConv2dNative with any padding)', () => {
  it('matches a loop reference for negative, positive and one-sided paddings, strides and dilations together', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 2 }),
          height: fc.integer({ min: 1, max: 8 }),
          width: fc.integer({ min: 1, max: 8 }),
          channels: fc.integer({ min: 1, max: 3 }),
          fOut: fc.integer({ min: 1, max: 3 }),
          kh: fc.integer({ min: 1, max: 3 }),
          kw: fc.integer({ min: 1, max: 3 }),
          rows: window,
          cols: window,
          depthwise: fc.boolean(),
          seed: fc.nat(),
        }),
        async (p) => {
          const xShape: [number, number, number, number] = [p.batch, p.height, p.width, p.channels];
          const fShape: [number, number, number, number] = [p.kh, p.kw, p.channels, p.fOut];
          const x = randomValues(p.seed, xShape.reduce((a, b) => a * b, 1));
          const f = randomValues(p.seed + 1, fShape.reduce((a, b) => a * b, 1));
          const xt = tf.tensor4d(x, xShape);
          const ft = tf.tensor4d(f, fShape);
          const before = memoryProbe();
          const info = convolve(tf.backend() as BackendWasm, xt, ft, p.rows, p.cols, p.depthwise);
          const out = tf.engine().makeTensorFromTensorInfo(info);
          expect(out.shape).toEqual([p.batch, p.rows.out, p.cols.out, p.depthwise ? p.channels * p.fOut : p.fOut]);
          expectClose(await out.data(), convolveReference(x, xShape, f, fShape, p.rows, p.cols, p.depthwise));
          out.dispose();
          expect(memoryProbe()).toEqual(before);
          tf.dispose([xt, ft]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
