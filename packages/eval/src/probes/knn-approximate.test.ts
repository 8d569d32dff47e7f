import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { mixture, randomProjectionEncoder, referenceKnn, vectorDataset } from '../../test/helpers.js';
import { loadUsearch } from './knn-index.js';
import { KNN_AUTO, knnClassify, knnProbe, knnRecall, resolveKnnIndex } from './knn.js';

// The approximate index is usearch's prebuilt binary; where it does not load (another platform, not installed) these
// tests are skipped and say why. knn-usearch-missing.test.ts covers that path itself.
const usearch = await loadUsearch().then(
  () => ({ ok: true as const, why: '' }),
  (error: Error) => ({ ok: false as const, why: error.message }),
);
if (!usearch.ok) console.warn(`approximate k-NN tests skipped: ${usearch.why}`);

const agreement = (a: Int32Array, b: Int32Array) => a.reduce((n, p, i) => n + (p === b[i] ? 1 : 0), 0) / a.length;

describe.skipIf(!usearch.ok)('approximate k-NN (usearch HNSW)', () => {
  // 400 bank rows, 100 queries, 32 dimensions, 10 classes; spread 2: the exact k-NN is wrong on about a quarter of
  // the queries, so agreeing with it means agreeing on its mistakes too.
  const data = mixture({ bankSize: 400, queries: 100, dim: 32, numClasses: 10, spread: 2, seed: 11 });
  const bankLabels = Int32Array.from(data.bank.labels);
  const queryLabels = Int32Array.from(data.queries.labels);
  let bank: tf.Tensor2D;
  let queries: tf.Tensor2D;
  beforeAll(() => {
    bank = tf.tensor2d(data.bank.rows);
    queries = tf.tensor2d(data.queries.rows);
  });
  afterAll(() => {
    bank.dispose();
    queries.dispose();
  });
  const knn = { k: 20, temperature: 0.1 };

  it('agrees with the exact top-1 on a few hundred vectors, and recall@k is high', async () => {
    const exact = knnClassify(bank, bankLabels, queries, { ...knn, index: 'exact' });
    const approximate = knnClassify(bank, bankLabels, queries, { ...knn, index: 'approximate' });
    expect(exact.index).toBe('exact');
    expect(approximate.index).toBe('approximate');
    expect(approximate.hnsw).toEqual({ connectivity: 16, expansionAdd: 128, expansionSearch: 64 });
    const accuracy = agreement(exact.predictions, queryLabels);
    expect(accuracy).toBeGreaterThan(0.5); // not a trivial task...
    expect(accuracy).toBeLessThan(0.95); // ...with mistakes to agree on
    // The default search keeps 64 candidates (3k) on a 400-row graph with 32 links per node at its base layer: it
    // misses at most a neighbour or two per query (measured: recall 0.998 over 5 seeds), and a vote of 20 sharply
    // weighted neighbours rarely turns on the farthest of them.
    const recall = await knnRecall(bank, queries, { k: knn.k });
    expect(recall.recall).toBeGreaterThanOrEqual(0.98);
    expect(recall.minRecall).toBeLessThanOrEqual(recall.recall);
    expect(recall.numQueries).toBe(100);
    expect(agreement(approximate.predictions, exact.predictions)).toBeGreaterThanOrEqual(0.97);
    expect(Math.abs(agreement(approximate.predictions, queryLabels) - accuracy)).toBeLessThanOrEqual(0.03);
  });

  it('votes exactly like the exact path when it finds the same neighbours (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(0.05, 0.1, 1),
        (seed, k, temperature) => {
          const d = mixture({ bankSize: 150, queries: 30, dim: 8, numClasses: 4, spread: 1.5, seed });
          const b = tf.tensor2d(d.bank.rows);
          const q = tf.tensor2d(d.queries.rows);
          const labels = Int32Array.from(d.bank.labels);
          // A candidate list as long as the bank: the search exhausts the graph, so the neighbours are the exact ones.
          const options = { k, temperature, numClasses: 4, expansionSearch: 150 };
          const exact = knnClassify(b, labels, q, { ...options, index: 'exact' });
          const approximate = knnClassify(b, labels, q, { ...options, index: 'approximate' });
          b.dispose();
          q.dispose();
          expect(Array.from(approximate.predictions)).toEqual(referenceKnn(d.bank.rows, d.bank.labels, d.queries.rows, k, temperature, 4));
          expect(Array.from(approximate.predictions)).toEqual(Array.from(exact.predictions));
          // Same weights and the same row scaling: the scores differ only by float rounding of the similarities.
          approximate.scores.forEach((s, i) => expect(s).toBeCloseTo(exact.scores[i] as number, 4));
        },
      ),
      { numRuns: 10 },
    );
  });

  it('reports recall 1 for an exhaustive search and much less for a starved graph', async () => {
    const full = await knnRecall(bank, queries, { k: knn.k, expansionSearch: 400 });
    expect(full.recall).toBe(1);
    expect(full.minRecall).toBe(1);
    // Two links per node and a candidate list of k: the greedy search stops in a local neighbourhood.
    const starved = await knnRecall(bank, queries, { k: knn.k, connectivity: 2, expansionAdd: 1, expansionSearch: 1 });
    expect(starved.recall).toBeLessThan(0.5);
    expect(starved.recall).toBeGreaterThan(0);
    expect(starved.hnsw).toEqual({ connectivity: 2, expansionAdd: 1, expansionSearch: 1 });
    expect(starved.k).toBe(20);
  });

  it('builds the same graph twice, whatever the chunk sizes: same predictions and scores', () => {
    // A sparse, narrow graph (recall well below 1), so that a different graph would show in the predictions.
    const options = { ...knn, index: 'approximate' as const, expansionSearch: 20, connectivity: 4 };
    const a = knnClassify(bank, bankLabels, queries, options);
    const b = knnClassify(bank, bankLabels, queries, { ...options, bankChunkSize: 64, queryChunkSize: 13 });
    expect(b.predictions).toEqual(a.predictions);
    expect(b.scores).toEqual(a.scores);
  });

  it('leaves no tensor behind', async () => {
    expectNoLeak(() => knnClassify(bank, bankLabels, queries, { ...knn, index: 'approximate', queryChunkSize: 7 }));
    await expectNoLeak(() => knnRecall(bank, queries, { k: 5, queryChunkSize: 9, bankChunkSize: 50 }));
  });

  it('clamps k to the bank size', async () => {
    const small = tf.slice(bank, [0, 0], [12, -1]) as tf.Tensor2D;
    const result = knnClassify(small, bankLabels.slice(0, 12), queries, { k: 50, index: 'approximate' });
    expect(result.k).toBe(12);
    expect((await knnRecall(small, queries, { k: 50 })).k).toBe(12);
    small.dispose();
  });

  it('runs behind knnProbe and reports the index in the config', async () => {
    const trainData = vectorDataset(data.bank.rows, data.bank.labels, 10);
    const testData = vectorDataset(data.queries.rows, data.queries.labels, 10);
    const encoder = randomProjectionEncoder([1, 1, 32], 16, 3);
    const exact = await knnProbe(encoder, trainData, testData, { ...knn, index: 'exact' });
    const approximate = await knnProbe(encoder, trainData, testData, { ...knn, index: 'approximate', expansionSearch: 400 });
    expect(exact.config).toMatchObject({ index: 'exact' });
    expect(exact.config['connectivity']).toBeUndefined();
    expect(approximate.config).toMatchObject({ index: 'approximate', connectivity: 16, expansionAdd: 128, expansionSearch: 400 });
    expect(approximate.top1).toBe(exact.top1);
    encoder.dispose();
    trainData.dispose?.();
    testData.dispose?.();
  });

  it("resolves 'auto' by bank size and query count once usearch is loaded", () => {
    const { minBankSize, minQueries } = KNN_AUTO;
    expect(resolveKnnIndex('auto', minBankSize, minQueries)).toBe('approximate');
    expect(resolveKnnIndex('auto', minBankSize - 1, minQueries)).toBe('exact');
    expect(resolveKnnIndex('auto', minBankSize, minQueries - 1)).toBe('exact');
    expect(resolveKnnIndex('exact', 10 * minBankSize, 10 * minQueries)).toBe('exact');
    expect(resolveKnnIndex('approximate', 10, 1)).toBe('approximate');
    // Small banks under 'auto' (the default) stay exact.
    expect(knnClassify(bank, bankLabels, queries, knn).index).toBe('exact');
  });
});
