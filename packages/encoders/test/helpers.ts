// encoders' own test helpers; the ones every package's tests use are in @selfsup/test-utils.
import * as tf from '@tensorflow/tfjs-core';
import { createRng, withBackend } from '@selfsup/tensors';
import { expect } from 'vitest';

/**
 * Runs a gradient check on the active backend when it can differentiate convolutions, otherwise on the stock cpu
 * backend (stock wasm has no Conv2DBackpropFilter until selfsup's kernels register one).
 */
export async function onTrainingBackend<T>(fn: () => T | Promise<T>): Promise<T> {
  if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) !== undefined) return await fn();
  return withBackend('cpu', fn);
}

/** A seeded random float32 tensor with values in [-1, 1). */
export function randomTensor(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(createRng(seed).uniformArray(size, -1, 1), shape, 'float32');
}

/** Element-wise closeness with absolute + relative tolerance, with a useful failure message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= tolerance * (1 + Math.abs(e)))) {
      throw new Error(`element ${i}: got ${a}, expected ${e} (tolerance ${tolerance})`);
    }
  }
}

/** Plain-loop NHWC convolution with symmetric zero padding `pad` (or TensorFlow 'same' when pad is 'same'). */
export function conv2dReference(
  x: Float32Array,
  xShape: readonly number[],
  k: Float32Array,
  kShape: readonly number[],
  stride: number,
  pad: number | 'same' | 'valid',
): { values: Float32Array; shape: [number, number, number, number] } {
  const [n, h, w, cin] = xShape as [number, number, number, number];
  const [kh, kw, , cout] = kShape as [number, number, number, number];
  let padTop: number;
  let padLeft: number;
  let oh: number;
  let ow: number;
  if (pad === 'same') {
    oh = Math.ceil(h / stride);
    ow = Math.ceil(w / stride);
    padTop = Math.floor(Math.max(0, (oh - 1) * stride + kh - h) / 2);
    padLeft = Math.floor(Math.max(0, (ow - 1) * stride + kw - w) / 2);
  } else {
    const p = pad === 'valid' ? 0 : pad;
    padTop = p;
    padLeft = p;
    oh = Math.floor((h + 2 * p - kh) / stride) + 1;
    ow = Math.floor((w + 2 * p - kw) / stride) + 1;
  }
  const out = new Float32Array(n * oh * ow * cout);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < cout; o++) {
          let sum = 0;
          for (let di = 0; di < kh; di++)
            for (let dj = 0; dj < kw; dj++) {
              const yi = i * stride + di - padTop;
              const xj = j * stride + dj - padLeft;
              if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
              for (let c = 0; c < cin; c++) {
                sum += (x[((b * h + yi) * w + xj) * cin + c] as number) * (k[((di * kw + dj) * cin + c) * cout + o] as number);
              }
            }
          out[((b * oh + i) * ow + j) * cout + o] = sum;
        }
  return { values: out, shape: [n, oh, ow, cout] };
}

/** Trainable variables that got no gradient, or a non-finite or all-zero one, from `loss`. */
export async function variablesWithoutGradient(variables: readonly { name: string; variable: tf.Variable; trainable: boolean }[], loss: () => tf.Scalar): Promise<string[]> {
  const trainable = variables.filter((v) => v.trainable);
  const { value, grads } = tf.variableGrads(loss, trainable.map((v) => v.variable));
  const bad: string[] = [];
  for (const v of trainable) {
    const g = grads[v.variable.name];
    if (g === undefined) {
      bad.push(`${v.name} (none)`);
      continue;
    }
    const data = await g.data();
    if (!data.every(Number.isFinite)) bad.push(`${v.name} (non-finite)`);
    else if (data.every((d) => d === 0)) bad.push(`${v.name} (zero)`);
  }
  tf.dispose([value, ...Object.values(grads)]);
  return bad;
}
