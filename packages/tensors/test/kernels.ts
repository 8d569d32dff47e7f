// Shared by the kernel tests (src/kernels/**/*.test.ts): cases, loop references, cross-backend runs, leak probes.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { expect } from 'vitest';
import { initBackend, withBackend } from '../src/backend.js';
import { createRng } from '../src/rng.js';

export type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
export type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** One random convolution problem (NHWC); `channelsOut` is Co for a conv, the multiplier M for a depthwise conv. */
export interface ConvCase {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly channelsOut: number;
  readonly kernel: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly pad: Pad;
  readonly dimRoundingMode: Rounding;
  readonly seed: number;
}

export function convInfo(c: ConvCase, depthwise: boolean): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    [c.batch, c.height, c.width, c.channels],
    [c.kernel[0], c.kernel[1], c.channels, c.channelsOut],
    c.strides,
    c.dilations,
    c.pad,
    c.dimRoundingMode,
    depthwise,
  );
}

/**
 * Random small convolution problems: strides 1-3, kernels 1-4, 'same' / 'valid' / a number / explicit padding, a
 * dimRoundingMode with the numeric paddings (unless `rounding: false`, for ops that take none). `dilation`: 'any'
 * allows dilations 1-2 with any stride, 'unit-stride' only with stride 1, 'none' (the default) none.
 */
export function convCases(options: { dilation?: 'none' | 'unit-stride' | 'any'; rounding?: boolean } = {}): fc.Arbitrary<ConvCase> {
  const dilation = options.dilation ?? 'none';
  const rounding = options.rounding ?? true;
  const pad: fc.Arbitrary<Pad> = fc.oneof(
    fc.constant('same' as const),
    fc.constant('valid' as const),
    fc.integer({ min: 0, max: 2 }),
    fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
      .map(([t, b, l, r]): Pad => [[0, 0], [t, b], [l, r], [0, 0]]),
  );
  return fc
    .record({
      batch: fc.integer({ min: 1, max: 3 }),
      height: fc.integer({ min: 1, max: 9 }),
      width: fc.integer({ min: 1, max: 9 }),
      channels: fc.integer({ min: 1, max: 4 }),
      channelsOut: fc.integer({ min: 1, max: 4 }),
      kernel: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
      strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      dilations: dilation === 'none' ? fc.constant<[number, number]>([1, 1]) : fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      pad,
      mode: fc.constantFrom<Rounding>(undefined, 'floor', 'round', 'ceil'),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    })
    .map(({ mode, ...c }): ConvCase => ({ ...c, dimRoundingMode: typeof c.pad === 'string' || !rounding ? undefined : mode }))
    // tfjs sizes a numeric padding's output with the filter height and stride alone (computeOutputShape2D), so it
    // is only meaningful for square filters, strides and dilations; elsewhere the same padding is spelled out.
    .map((c): ConvCase => {
      const square = c.kernel[0] === c.kernel[1] && c.strides[0] === c.strides[1] && c.dilations[0] === c.dilations[1];
      return typeof c.pad === 'number' && !square ? { ...c, pad: [[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]] } : c;
    })
    .map((c): ConvCase => (dilation === 'unit-stride' && (c.dilations[0] > 1 || c.dilations[1] > 1) ? { ...c, strides: [1, 1] } : c))
    .filter((c) => {
      const info = convInfo(c, false);
      return info.outHeight >= 1 && info.outWidth >= 1;
    });
}

export function randomValues(seed: number, size: number): Float32Array {
  return createRng(seed).uniformArray(size, -1, 1);
}

/** x[n, h, w, c] at a flat NHWC index, 0 outside. */
function at(values: ArrayLike<number>, shape: readonly number[], n: number, h: number, w: number, c: number): number {
  const [, height, width, channels] = shape as [number, number, number, number];
  if (h < 0 || h >= height || w < 0 || w >= width) return 0;
  return values[((n * height + h) * width + w) * channels + c] as number;
}

/** Loop reference: the filter gradient of a conv (depthwise: of a depthwise conv), any stride/dilation/padding. */
export function filterGradientReference(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  depthwise: boolean,
): Float32Array {
  const { batchSize, outHeight, outWidth, filterHeight, filterWidth, inChannels, outChannels } = info;
  const multiplier = outChannels / inChannels;
  const xShape = [batchSize, info.inHeight, info.inWidth, inChannels];
  const dyShape = [batchSize, outHeight, outWidth, outChannels];
  const perTap = depthwise ? inChannels * multiplier : inChannels * outChannels;
  const dw = new Float32Array(filterHeight * filterWidth * perTap);
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let n = 0; n < batchSize; n++) {
        for (let oh = 0; oh < outHeight; oh++) {
          const h = oh * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
          for (let ow = 0; ow < outWidth; ow++) {
            const w = ow * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
            const base = (kh * filterWidth + kw) * perTap;
            for (let o = 0; o < outChannels; o++) {
              const g = at(dy, dyShape, n, oh, ow, o);
              if (depthwise) {
                const c = Math.floor(o / multiplier);
                dw[base + o] = (dw[base + o] as number) + at(x, xShape, n, h, w, c) * g;
              } else {
                for (let c = 0; c < inChannels; c++) {
                  dw[base + c * outChannels + o] = (dw[base + c * outChannels + o] as number) + at(x, xShape, n, h, w, c) * g;
                }
              }
            }
          }
        }
      }
    }
  }
  return dw;
}

/** Loop reference: the input gradient of a conv (depthwise: of a depthwise conv), any stride/dilation/padding. */
export function inputGradientReference(
  dy: Float32Array,
  filter: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  depthwise: boolean,
): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterWidth } = info;
  const multiplier = outChannels / inChannels;
  const dx = new Float32Array(batchSize * inHeight * inWidth * inChannels);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < info.filterHeight; kh++) {
          const h = oh * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
          if (h < 0 || h >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const w = ow * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
            if (w < 0 || w >= inWidth) continue;
            const dxBase = ((n * inHeight + h) * inWidth + w) * inChannels;
            const dyBase = ((n * outHeight + oh) * outWidth + ow) * outChannels;
            for (let o = 0; o < outChannels; o++) {
              const g = dy[dyBase + o] as number;
              if (depthwise) {
                const c = Math.floor(o / multiplier);
                const weight = filter[(kh * filterWidth + kw) * outChannels + o] as number;
                dx[dxBase + c] = (dx[dxBase + c] as number) + g * weight;
              } else {
                for (let c = 0; c < inChannels; c++) {
                  const weight = filter[((kh * filterWidth + kw) * inChannels + c) * outChannels + o] as number;
                  dx[dxBase + c] = (dx[dxBase + c] as number) + g * weight;
                }
              }
            }
          }
        }
      }
    }
  }
  return dx;
}

/** max |actual - expected| <= tolerance * max(1, max |expected|), with the same length. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i] as number));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  expect(worst).toBeLessThanOrEqual(tolerance * scale);
}

/** Runs `fn` on a backend and returns the values (and shapes) of what it returns, disposing everything it made. */
export async function valuesOn(
  backend: 'wasm' | 'cpu',
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  const run = async () => {
    const outs = tf.tidy(fn);
    const list = Array.isArray(outs) ? outs : [outs];
    const values = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
    const shapes = list.map((t) => t.shape);
    tf.dispose(list);
    return { values, shapes };
  };
  return backend === tf.getBackend() ? run() : withBackend(backend, run);
}

/** Tensors tfjs tracks and buffers the wasm backend holds, to check a kernel frees what it allocates. */
export function memoryProbe(): { tensors: number; dataIds: number; bytes: number } {
  const backend = tf.backend() as BackendWasm;
  return { tensors: tf.memory().numTensors, dataIds: backend.numDataIds(), bytes: tf.memory().numBytes };
}

export function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** A configuration a kernel-backed op is tested on: `kernels` tells whether selfsup's native kernels serve it. */
export interface BackendUnderTest {
  readonly name: string;
  readonly init: () => Promise<unknown>;
  readonly kernels: boolean;
}

/** The wasm backend with the native kernels (when `withNative`: the addon loads and has the op's kernels), plain wasm, cpu. */
export function backendsUnderTest(withNative: boolean): BackendUnderTest[] {
  return [
    ...(withNative ? [{ name: 'wasm + native kernels', init: () => initBackend({ backend: 'wasm', native: 'on' }), kernels: true }] : []),
    { name: 'wasm (native off)', init: () => initBackend({ backend: 'wasm', native: 'off' }), kernels: false },
    { name: 'cpu', init: () => initBackend({ backend: 'cpu' }), kernels: false },
  ];
}
