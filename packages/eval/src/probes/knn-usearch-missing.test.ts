import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { SelfsupError } from '@selfsup/tensors';
import { randomProjectionEncoder, recordingDataset, vectorDataset } from '../../test/helpers.js';
import { loadUsearch, usearchLoaded } from './knn-index.js';
import { KNN_AUTO, knnClassify, knnProbe, knnRecall, resolveKnnIndex } from './knn.js';

// A process where usearch is not installed (or its binary does not load): importing it fails as Node's would.
vi.mock('usearch', () => {
  throw new Error("Cannot find package 'usearch' imported from knn-index.ts");
});

describe('the approximate k-NN without usearch', () => {
  const bank = [
    [1, 0],
    [0, 1],
    [0.8, 0.6],
    [-1, 0],
  ];
  const labels = Int32Array.from([0, 1, 1, 2]);

  it('loadUsearch fails with a message naming options.index and the reason', async () => {
    const error = await loadUsearch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelfsupError);
    expect((error as SelfsupError).code).toBe('BACKEND_UNAVAILABLE');
    // The reason is whatever the import said (here vitest's wrapping of the mock's error).
    expect((error as SelfsupError).message).toMatch(
      /^options\.index "approximate" needs the optional package usearch, but it could not be loaded \(.+\); install it with `npm install usearch`/,
    );
    expect((error as SelfsupError).details).toMatchObject({ argument: 'options.index', reason: expect.any(String) });
    expect(usearchLoaded()).toBe(false);
  });

  it("knnClassify with index 'approximate' throws that message, and leaks nothing", () => {
    const b = tf.tensor2d(bank);
    const before = tf.memory().numTensors;
    expect(() => knnClassify(b, labels, b, { k: 2, index: 'approximate' })).toThrow(/options\.index "approximate" needs the optional package usearch/);
    expect(tf.memory().numTensors).toBe(before);
    b.dispose();
  });

  it("'auto' (the default) stays exact, whatever the sizes", () => {
    expect(resolveKnnIndex('auto', 10 * KNN_AUTO.minBankSize, 10 * KNN_AUTO.minQueries)).toBe('exact');
    const b = tf.tensor2d(bank);
    const result = knnClassify(b, labels, b, { k: 2, temperature: 0.1 });
    expect(result.index).toBe('exact');
    expect(Array.from(result.predictions)).toEqual([0, 1, 1, 2]);
    b.dispose();
  });

  it('knnProbe fails before reading any image, and knnRecall fails too', async () => {
    const reads = recordingDataset(vectorDataset(bank, Array.from(labels)), () => 'probe');
    const encoder = randomProjectionEncoder([1, 1, 2], 4, 1);
    await expect(knnProbe(encoder, reads, reads, { index: 'approximate' })).rejects.toThrow(/options\.index "approximate" needs the optional package usearch/);
    expect(reads.reads).toEqual([]);
    // An unknown index is named too, before anything is read.
    await expect(knnProbe(encoder, reads, reads, { index: 'fast' as 'auto' })).rejects.toThrow(/options\.index must be one of "exact", "approximate", "auto"; got "fast"/);
    expect(reads.reads).toEqual([]);
    const b = tf.tensor2d(bank);
    await expect(knnRecall(b, b, { k: 2 })).rejects.toThrow(/options\.index "approximate" needs the optional package usearch/);
    b.dispose();
    encoder.dispose();
    reads.dispose?.();
  });
});
