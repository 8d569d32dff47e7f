import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Encoder, SSLMethod, StepContext } from '@selfsup/tensors';
import { createRng, fit, tensorDataset } from '@selfsup/tensors';
import { expect } from 'vitest';

/** The loss on a fixed batch with a fixed generator (same samples every call). */
export function fixedLoss(method: SSLMethod, images: tf.Tensor4D, seed = 123): number {
  const batch: Batch = { images, indices: [...images.shape.keys()].slice(0, images.shape[0]) };
  const context: StepContext = { step: 0, epoch: 0, totalSteps: 1, rng: createRng(seed) };
  return tf.tidy(() => method.loss(batch, context).dataSync()[0]!);
}

/**
 * Trains `method` on `images` with `fit` for `steps` full-batch steps and checks: every loss finite, the loss on a
 * fixed batch (fixed samples) lower afterwards, the number of live tensors unchanged by training, the metrics finite.
 */
export async function expectTrains(
  method: SSLMethod,
  images: tf.Tensor4D,
  options: { steps: number; learningRate?: number; optimizer?: { type: 'adam'; beta1?: number } },
): Promise<{ before: number; after: number; losses: readonly number[] }> {
  const before = fixedLoss(method, images);
  expect(Number.isFinite(before)).toBe(true);
  const dataset = tensorDataset(tf.clone(images));
  const tensorsBefore = tf.memory().numTensors;
  const result = await fit(method, dataset, {
    batchSize: images.shape[0],
    epochs: options.steps,
    learningRate: options.learningRate ?? 3e-3,
    schedule: { type: 'constant' },
    progress: false,
    seed: 7,
    ...(options.optimizer !== undefined ? { optimizer: options.optimizer } : {}),
  });
  // Kept metric tensors may be replaced but not accumulate: at most a handful more than before.
  expect(tf.memory().numTensors - tensorsBefore).toBeLessThanOrEqual(8);
  expect(result.losses).toHaveLength(options.steps);
  for (const l of result.losses) expect(Number.isFinite(l)).toBe(true);
  for (const v of Object.values(result.history.at(-1)?.metrics ?? {})) expect(Number.isFinite(v)).toBe(true);
  const after = fixedLoss(method, images);
  expect(after).toBeLessThan(before);
  dataset.dispose?.();
  return { before, after, losses: result.losses };
}

/**
 * The Encoder contract: JSON config, an architecture name, unique variable names, [N, outputDim] finite float32 output
 * for whole images, inference mode deterministic and without side effects (no variable changes), no leaked tensors,
 * and every variable trained by the method (same tf variables).
 */
export function expectEncoderContract(encoder: Encoder, images: tf.Tensor4D, method?: SSLMethod): void {
  expect(typeof encoder.architecture).toBe('string');
  expect(encoder.architecture.length).toBeGreaterThan(0);
  expect(JSON.parse(JSON.stringify(encoder.config))).toEqual(encoder.config);
  expect(Number.isInteger(encoder.outputDim) && encoder.outputDim > 0).toBe(true);
  const names = encoder.variables.map((v) => v.name);
  expect(new Set(names).size).toBe(names.length);
  const snapshot = encoder.variables.map((v) => v.variable.dataSync().slice());
  const before = tf.memory().numTensors;
  const a = encoder.apply(images);
  const b = encoder.apply(images);
  expect(a.shape).toEqual([images.shape[0], encoder.outputDim]);
  expect(a.dtype).toBe('float32');
  expect(Array.from(a.dataSync()).every(Number.isFinite)).toBe(true);
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  tf.dispose([a, b]);
  expect(tf.memory().numTensors).toBe(before);
  encoder.variables.forEach((v, i) => expect(Array.from(v.variable.dataSync())).toEqual(Array.from(snapshot[i]!)));
  if (method !== undefined) {
    const trained = new Set(method.variables.map((v) => v.variable));
    for (const v of encoder.variables) expect(trained.has(v.variable)).toBe(true);
    const methodNames = method.variables.map((v) => v.name);
    expect(new Set(methodNames).size).toBe(methodNames.length);
  }
}
