import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type Encoder, SelfsupError } from '@selfsup/tensors';
import { blobs, randomProjectionEncoder, vectorDataset } from '../../test/helpers.js';
import { extractFeatures } from '../features.js';
import { effectiveRank } from '../metrics/effective-rank.js';
import { embeddingStd, embeddingStdReference } from '../metrics/embedding-std.js';
import { KNN_INSTDISC, knnProbe } from '../probes/knn.js';
import { monitorEncoder, monitorSubsets } from './online-monitor.js';

const { rows, labels } = blobs({ perClass: 30, numClasses: 4, dim: 12, spread: 0.6, seed: 3 });
const data = vectorDataset(rows, labels, 4);

async function rejectsNaming(promise: Promise<unknown>, fragment: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SelfsupError);
  expect((error as SelfsupError).code).toBe('INVALID_ARGUMENT');
  expect((error as Error).message).toContain(fragment);
}

describe('embeddingStd', () => {
  it('is the mean per-dimension std of the l2-normalised rows: hand-computed cases', () => {
    // Rows [2, 0] and [0, 3] normalise to [1, 0] and [0, 1]: each column is {1, 0}, std 0.5.
    const z = tf.tensor2d([
      [2, 0],
      [0, 3],
    ]);
    expect(embeddingStd(z)).toBeCloseTo(0.5, 12);
    z.dispose();
    // Collapse: every row the same direction (any length) -> 0.
    const collapsed = tf.tensor2d([
      [1, 2, 2],
      [2, 4, 4],
      [0.5, 1, 1],
    ]);
    expect(embeddingStd(collapsed)).toBeCloseTo(0, 6);
    collapsed.dispose();
  });

  it('is about 1/sqrt(D) for Gaussian rows (spread evenly over the sphere)', () => {
    const z = tf.randomNormal([4000, 16], 0, 1, 'float32', 7) as tf.Tensor2D;
    expect(embeddingStd(z)).toBeCloseTo(embeddingStdReference(16), 2);
    z.dispose();
  });

  it('names its argument', () => {
    expect(() => embeddingStd(tf.zeros([0, 3]) as tf.Tensor2D)).toThrow(/z/);
    expect(() => embeddingStd(tf.ones([3]) as unknown as tf.Tensor2D)).toThrow(/z/);
    expect(() => embeddingStdReference(0)).toThrow(/dim.*positive integer.*0/);
  });
});

describe('monitorSubsets', () => {
  it('draws disjoint, seeded sets of the requested sizes', async () => {
    const a = monitorSubsets(data, { bankSize: 60, heldOutSize: 30, seed: 1 });
    const b = monitorSubsets(data, { bankSize: 60, heldOutSize: 30, seed: 1 });
    const c = monitorSubsets(data, { bankSize: 60, heldOutSize: 30, seed: 2 });
    expect([a.bank.size, a.heldOut.size]).toEqual([60, 30]);
    const ids = async (d: typeof a.bank) => {
      const batch = await d.getBatch(Array.from({ length: d.size }, (_, i) => i));
      const flat = Array.from(batch.images.dataSync());
      tf.dispose([batch.images, batch.labels]);
      return flat.join(',');
    };
    expect(await ids(a.bank)).toBe(await ids(b.bank));
    expect(await ids(a.bank)).not.toBe(await ids(c.bank));
    expect(a.bank.name).toContain('monitor bank 60');
  });

  it('shrinks both sets in proportion when the dataset is small', () => {
    const { bank, heldOut } = monitorSubsets(data, { bankSize: 1000, heldOutSize: 500 });
    expect(bank.size + heldOut.size).toBe(data.size);
    expect(bank.size).toBe(80);
    expect(heldOut.size).toBe(40);
  });

  it('names its arguments', () => {
    expect(() => monitorSubsets(null as never)).toThrow(/dataset/);
    expect(() => monitorSubsets(data, { bankSize: 0 })).toThrow(/options\.bankSize/);
    expect(() => monitorSubsets(data, { heldOutSize: 1.5 })).toThrow(/options\.heldOutSize/);
    expect(() => monitorSubsets(data, { seed: -0.5 })).toThrow(/options\.seed/);
  });
});

describe('monitorEncoder', () => {
  const subsets = monitorSubsets(data, { bankSize: 80, heldOutSize: 40, seed: 0 });

  it('equals an offline knnProbe and metrics on the same subsets and weights (exactly)', async () => {
    const encoder = randomProjectionEncoder([1, 1, 12], 8, 5);
    const reading = await monitorEncoder(encoder, subsets.bank, subsets.heldOut);
    const probe = await knnProbe(encoder, subsets.bank, subsets.heldOut, KNN_INSTDISC);
    const features = await extractFeatures(encoder, subsets.bank);
    expect(reading.knnTop1).toBe(probe.top1);
    expect(reading.embeddingStd).toBe(embeddingStd(features.features));
    expect(reading.effectiveRank).toBe(effectiveRank(features.features));
    features.features.dispose();
    expect(reading).toMatchObject({ dim: 8, bankSize: 80, heldOutSize: 40, k: 20, temperature: 0.07, embeddingStdReference: 1 / Math.sqrt(8) });
    expect(reading.knnTop1).toBeGreaterThan(0.9); // well separated blobs
    // Other k-NN settings pass through to the same code.
    const k5 = await monitorEncoder(encoder, subsets.bank, subsets.heldOut, { k: 5, temperature: 0.5, batchSize: 7 });
    expect(k5.knnTop1).toBe((await knnProbe(encoder, subsets.bank, subsets.heldOut, { k: 5, temperature: 0.5, batchSize: 7 })).top1);
    encoder.dispose();
  });

  it('runs in inference mode, leaks nothing, and is deterministic', async () => {
    const encoder = randomProjectionEncoder([1, 1, 12], 8, 6) as Encoder & { seenTraining: boolean[] };
    const before = tf.memory().numTensors;
    const first = await monitorEncoder(encoder, subsets.bank, subsets.heldOut, { batchSize: 16 });
    const second = await monitorEncoder(encoder, subsets.bank, subsets.heldOut, { batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    expect({ ...first, seconds: 0 }).toEqual({ ...second, seconds: 0 });
    expect(encoder.seenTraining.length).toBeGreaterThan(0);
    expect(encoder.seenTraining.every((t) => !t)).toBe(true);
    encoder.dispose();
  });

  it('sees a collapsed encoder: std 0 and effective rank 1', async () => {
    const constant: Encoder = {
      architecture: 'constant',
      config: {},
      inputShape: [1, 1, 12],
      outputDim: 4,
      variables: [],
      apply: (x) => tf.tidy(() => tf.mul(tf.ones([x.shape[0] as number, 4]), 0.5) as tf.Tensor2D),
      dispose() {},
    };
    const reading = await monitorEncoder(constant, subsets.bank, subsets.heldOut);
    expect(reading.embeddingStd).toBeCloseTo(0, 6);
    expect(reading.effectiveRank).toBeCloseTo(1, 6);
    expect(reading.embeddingStdReference).toBe(0.5);
  });

  it('rejects bad input naming the argument, before any work', async () => {
    const encoder = randomProjectionEncoder([1, 1, 12], 8, 5);
    await rejectsNaming(monitorEncoder(null as never, subsets.bank, subsets.heldOut), 'encoder');
    await rejectsNaming(monitorEncoder(encoder, {} as never, subsets.heldOut), 'bank');
    await rejectsNaming(monitorEncoder(encoder, subsets.bank, 3 as never), 'heldOut');
    await rejectsNaming(monitorEncoder(encoder, subsets.bank, subsets.heldOut, { k: 0 }), 'options.k');
    await rejectsNaming(monitorEncoder(encoder, subsets.bank, subsets.heldOut, { batchSize: -1 }), 'options.batchSize');
    await rejectsNaming(monitorEncoder(encoder, subsets.bank, subsets.heldOut, 'fast' as never), 'options');
    encoder.dispose();
  });
});
