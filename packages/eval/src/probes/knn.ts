import * as tf from '@tensorflow/tfjs-core';
import {
  type Encoder,
  type ImageDataset,
  type ProbeResult,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertPositive,
  assertPositiveInteger,
  invalidArgument,
  l2Normalize,
} from '@selfsup/tensors';
import { type FeatureSet, assertFeatures, extractFeatures } from '../features.js';
import { type HnswIndex, type HnswSettings, type NeighbourArrays, buildHnswIndex, loadUsearch, usearchLoaded } from './knn-index.js';
import { type KnnSelectOptions, type KnnSelection, chooseFromNeighbours, planSelection, selectionJson } from './knn-select.js';
import { type ClassRanking, rankScores, topKAccuracy } from './top-k.js';

/** How the k nearest bank rows are found: all of them compared (`exact`), an HNSW graph (`approximate`), or by size. */
export type KnnIndex = 'exact' | 'approximate' | 'auto';

export interface KnnOptions {
  /** Neighbours that vote. Default 200; clamped to the bank size. */
  readonly k?: number;
  /** Temperature T of the vote weights exp(sim / T). Default 0.1. */
  readonly temperature?: number;
  /** Number of classes. Default: max label + 1. */
  readonly numClasses?: number;
  /** Queries per chunk. Default: as many as keep the [queries, k, classes] vote tensor under 8M values, at most 256. */
  readonly queryChunkSize?: number;
  /** Bank rows compared per step (exact search). Default 4096. */
  readonly bankChunkSize?: number;
  /**
   * How neighbours are found; the vote on them is the same code either way. `exact` compares every query with every
   * bank row. `approximate` searches an HNSW graph of the bank (cosine) built with the optional package usearch
   * (Node; see {@link loadUsearch}). `auto` (default) is exact unless the bank has at least
   * `KNN_AUTO.minBankSize` rows and there are at least `KNN_AUTO.minQueries` queries, and usearch is loaded
   * (`knnProbe` and `evaluateEncoder` try to load it then; where it is missing, `auto` stays exact).
   */
  readonly index?: KnnIndex;
  /** HNSW: links per node (usearch's `connectivity`, the M of the paper). More: higher recall, slower build. Default 16. */
  readonly connectivity?: number;
  /** HNSW: candidates kept while inserting a row (efConstruction). Default 128. */
  readonly expansionAdd?: number;
  /** HNSW: candidates kept while searching (ef; at least k is always used). Default max(64, 2k). */
  readonly expansionSearch?: number;
  /**
   * Choose k and T on the bank itself instead of fixing them: `true` (the default grid, {@link KNN_SELECT_GRID}) or a
   * grid. Each bank row is classified by the others (leave-one-out) for every pair, and the best pair then classifies
   * the queries; the queries play no part in the choice. Leave `k` and `temperature` out (a one-value grid fixes one).
   */
  readonly select?: KnnSelectOptions | boolean;
}

/** The settings of the weighted k-NN monitor used by MoCo's CIFAR demo and SimSiam (k = 200, T = 0.1). */
export const KNN_DEFAULT = Object.freeze({ k: 200, temperature: 0.1 });
/** InstDisc's weighted k-NN with solo-learn's (and DINO's) settings (k = 20, T = 0.07). */
export const KNN_INSTDISC = Object.freeze({ k: 20, temperature: 0.07 });
/**
 * When `index: 'auto'` searches approximately: banks of at least 100 000 rows with at least 20 000 queries. That is
 * where, on one core, the graph starts to pay for itself: building it costs about 0.6 ms a bank row and searching it
 * about 1.4 ms a query (784 dimensions, k = 200), against about 46 ns per bank row and query for the exact search, so
 * the approximate search wins from about 18 000 queries on a 100 000-row bank, and by more as the bank grows (the
 * exact cost per query grows with the bank, the graph's roughly with its logarithm). Below it the exact search is
 * quick and exact: MNIST-, CIFAR- and Fashion-MNIST-sized evaluations keep their numbers. The eval README has the
 * measurements.
 */
export const KNN_AUTO = Object.freeze({ minBankSize: 100_000, minQueries: 20_000 });
/** Default HNSW settings of the approximate index (`expansionSearch` also grows to 2k when k is larger than 32). */
export const KNN_HNSW_DEFAULT = Object.freeze({ connectivity: 16, expansionAdd: 128, expansionSearch: 64 });

export interface KnnPredictions {
  /** Predicted class of each query (argmax of the weighted votes; ties to the lower class id). */
  readonly predictions: Int32Array;
  /** The best min(5, C) classes of each query, best first. */
  readonly ranking: ClassRanking;
  /** Vote sums [N, C], row-major. Each row is scaled by exp(-max sim / T) (for range; rankings are unchanged). */
  readonly scores: Float32Array;
  readonly numClasses: number;
  /** Neighbours used (k clamped to the bank size; the chosen k with `select`). */
  readonly k: number;
  /** The vote's temperature (the chosen T with `select`). */
  readonly temperature: number;
  /** How k and T were chosen, with `select`. */
  readonly selection?: KnnSelection;
  /** How the neighbours were found (`auto` resolved). */
  readonly index: 'exact' | 'approximate';
  /** The HNSW settings, when the index was approximate. */
  readonly hnsw?: HnswSettings;
}

const VOTE_BUDGET = 8_000_000;
const INDEX_KINDS: readonly KnnIndex[] = ['exact', 'approximate', 'auto'];

/** The checked settings of one k-NN search. */
interface SearchPlan {
  readonly k: number;
  readonly index: 'exact' | 'approximate';
  readonly hnsw: HnswSettings;
  readonly bankChunk: number;
}

function checkQueries(bank: tf.Tensor2D, queries: tf.Tensor2D): void {
  if (typeof queries !== 'object' || queries === null || queries.rank !== 2) invalidArgument('queries', 'a [M, D] tensor', queries);
  if (queries.isDisposed) invalidArgument('queries', 'a live tensor', 'a disposed tensor');
  if (queries.shape[1] !== bank.shape[1]) invalidArgument('queries', `a [M, ${bank.shape[1]}] tensor (same D as bank)`, queries);
}

/**
 * The search a k-NN with `index` runs on this many bank rows and queries: `auto` is approximate above
 * {@link KNN_AUTO} when usearch is loaded, else exact. Not exported from the package (tests read it).
 */
export function resolveKnnIndex(index: KnnIndex, bankSize: number, queryCount: number): 'exact' | 'approximate' {
  return index === 'approximate' || (index === 'auto' && autoWantsApproximate(bankSize, queryCount) && usearchLoaded()) ? 'approximate' : 'exact';
}

/** Whether `auto` would search approximately for this many bank rows and queries, usearch aside. */
function autoWantsApproximate(bankSize: number, queryCount: number): boolean {
  return bankSize >= KNN_AUTO.minBankSize && queryCount >= KNN_AUTO.minQueries;
}

/** Checks the search options (k, index, HNSW knobs, bank chunk) and resolves `auto`. */
function planSearch(bankSize: number, queryCount: number, options: KnnOptions, kDefault: number): SearchPlan {
  const kRequested = options.k ?? kDefault;
  assertPositiveInteger('options.k', kRequested);
  const index = options.index ?? 'auto';
  assertOneOf('options.index', index, INDEX_KINDS);
  const connectivity = options.connectivity ?? KNN_HNSW_DEFAULT.connectivity;
  // usearch needs at least two links per node to build a graph.
  assertInteger('options.connectivity', connectivity, 2, 1024);
  const expansionAdd = options.expansionAdd ?? KNN_HNSW_DEFAULT.expansionAdd;
  assertPositiveInteger('options.expansionAdd', expansionAdd);
  const k = Math.min(kRequested, bankSize);
  const expansionSearch = options.expansionSearch ?? Math.max(KNN_HNSW_DEFAULT.expansionSearch, 2 * k);
  assertPositiveInteger('options.expansionSearch', expansionSearch);
  const bankChunk = options.bankChunkSize ?? 4096;
  assertPositiveInteger('options.bankChunkSize', bankChunk);
  return { k, index: resolveKnnIndex(index, bankSize, queryCount), hnsw: { connectivity, expansionAdd, expansionSearch }, bankChunk };
}

/**
 * Loads usearch when `options` would search approximately for this bank and these queries: always for
 * `index: 'approximate'` (a missing package is an error), and for `auto` above {@link KNN_AUTO} (a missing package
 * leaves `auto` exact). The async entry points (knnProbe, evaluateEncoder, monitorEncoder) call this before the
 * synchronous search; not exported from the package.
 */
export async function prepareKnnIndex(options: KnnOptions | undefined, bankSize: number, queryCount: number): Promise<void> {
  const index = options?.index ?? 'auto';
  if (index === 'approximate') await loadUsearch();
  else if (index === 'auto' && autoWantsApproximate(bankSize, queryCount)) await loadUsearch().catch(() => undefined);
}

/** A neighbour search over a fixed bank: the k nearest rows of a chunk of l2-normalised queries. */
interface NeighbourSearch {
  /** Called inside a tidy: [qn, k] similarities (float32) and bank indices (int32), k at most the planned k. */
  find(normalisedQueries: tf.Tensor2D, k: number): { sims: tf.Tensor2D; indices: tf.Tensor2D };
  dispose(): void;
}

/** Every bank row compared with every query, keeping a running top-k over bank chunks. */
function exactSearch(bank: tf.Tensor2D, bankChunk: number): NeighbourSearch {
  const bankSize = bank.shape[0];
  // The normalised bank, transposed to [D, chunk] blocks once: wasm's matMul is several times faster on a plain
  // [M, D] x [D, N] product than with transposeB, and the blocks are reused by every query chunk.
  const bankBlocks: { start: number; block: tf.Tensor2D }[] = [];
  for (let b0 = 0; b0 < bankSize; b0 += bankChunk) {
    const bn = Math.min(bankChunk, bankSize - b0);
    bankBlocks.push({ start: b0, block: tf.tidy(() => tf.transpose(l2Normalize(tf.slice(bank, [b0, 0], [bn, -1]))) as tf.Tensor2D) });
  }
  return {
    find(q, k) {
      const qn = q.shape[0];
      // Running top-k over bank chunks: [qn, k'] similarities and their bank indices.
      let bestSims: tf.Tensor2D | undefined;
      let bestIdx: tf.Tensor2D | undefined;
      for (const { start: b0, block } of bankBlocks) {
        const bn = block.shape[1];
        const sims = tf.matMul(q, block);
        const top = tf.topk(sims, Math.min(k, bn));
        const idx = tf.add(top.indices, tf.scalar(b0, 'int32')) as tf.Tensor2D;
        if (bestSims === undefined || bestIdx === undefined) {
          bestSims = top.values as tf.Tensor2D;
          bestIdx = idx;
        } else {
          const allSims = tf.concat([bestSims, top.values], 1);
          const allIdx = tf.concat([bestIdx, idx], 1);
          const merged = tf.topk(allSims, Math.min(k, allSims.shape[1] as number));
          bestSims = merged.values as tf.Tensor2D;
          // Row-wise gather through flat indices (wasm's batched gather is unreliable in tfjs 4.22).
          const w = allIdx.shape[1] as number;
          const rowStart = tf.mul(tf.range(0, qn, 1, 'int32'), tf.scalar(w, 'int32'));
          const flat = tf.add(merged.indices, tf.expandDims(rowStart, 1));
          bestIdx = tf.reshape(tf.gather(tf.reshape(allIdx, [-1]), tf.reshape(flat, [-1])), merged.indices.shape as [number, number]) as tf.Tensor2D;
        }
      }
      return { sims: bestSims as tf.Tensor2D, indices: bestIdx as tf.Tensor2D };
    },
    dispose() {
      for (const { block } of bankBlocks) block.dispose();
    },
  };
}

/** The HNSW graph of the bank (usearch), searched for the same k; its answers become the same tensors. */
function approximateSearch(bank: tf.Tensor2D, plan: SearchPlan): NeighbourSearch & { readonly graph: HnswIndex } {
  const graph = buildHnswIndex(bank, plan.hnsw);
  return {
    graph,
    find(q, k) {
      const qn = q.shape[0];
      const found: NeighbourArrays = graph.search(q.dataSync() as Float32Array, qn, k);
      return { sims: tf.tensor2d(found.sims, [qn, k]), indices: tf.tensor2d(found.indices, [qn, k], 'int32') };
    },
    dispose() {},
  };
}

function openSearch(bank: tf.Tensor2D, plan: SearchPlan): NeighbourSearch {
  return plan.index === 'approximate' ? approximateSearch(bank, plan) : exactSearch(bank, plan.bankChunk);
}

/**
 * The weighted vote on the neighbours found, whichever search found them: each neighbour adds exp(sim / T) to its
 * class. Scaled by exp(-max sim / T) per row: the same argmax as exp(sim / T) without overflow for small T. A
 * neighbour the graph did not return (sim -Infinity) weighs 0.
 */
function vote(sims: tf.Tensor2D, indices: tf.Tensor2D, labels: tf.Tensor1D, temperature: number, numClasses: number): tf.Tensor2D {
  const neighbourLabels = tf.gather(labels, indices);
  const weights = tf.exp(tf.div(tf.sub(sims, tf.max(sims, 1, true)), temperature));
  const oneHot = tf.oneHot(neighbourLabels, numClasses);
  return tf.sum(tf.mul(oneHot, tf.expandDims(weights, 2)), 1) as tf.Tensor2D;
}

/**
 * Weighted k-NN classification (Wu et al. 2018): cosine similarity of each query to a feature bank, the k most similar
 * bank rows vote for their class with weight exp(sim / T), the class with the largest sum wins. Memory-bounded:
 * queries and bank are processed in chunks, keeping a running top-k per query, so only the normalised bank (one
 * copy), one [queries, bankChunk] similarity block and one vote block live at a time. With `index: 'approximate'`
 * (or `auto` on a large bank) the neighbours come from an HNSW graph instead, and the vote is the same.
 */
export function knnClassify(bank: tf.Tensor2D, bankLabels: Int32Array, queries: tf.Tensor2D, options: KnnOptions = {}): KnnPredictions {
  assertFeatures('bank', bank, bankLabels);
  checkQueries(bank, queries);
  assertOptions('options', options);
  const [bankSize] = bank.shape;
  if (bankSize === 0) invalidArgument('bank', 'a non-empty tensor', bank);
  const m = queries.shape[0];
  if (options.select !== undefined && typeof options.select !== 'boolean' && (typeof options.select !== 'object' || options.select === null)) {
    invalidArgument('options.select', 'true, false or a grid { ks, temperatures, queries, seed }', options.select);
  }
  const select = options.select || undefined;
  if (select !== undefined) {
    for (const key of ['k', 'temperature'] as const) {
      if (options[key] !== undefined) invalidArgument(`options.${key}`, `absent when options.select chooses it (a one-value options.select.${key === 'k' ? 'ks' : 'temperatures'} fixes it)`, options[key]);
    }
  }
  let maxLabel = 0;
  for (const l of bankLabels) {
    if (l < 0) invalidArgument('bankLabels', 'non-negative class ids', l);
    if (l > maxLabel) maxLabel = l;
  }
  const numClasses = options.numClasses ?? maxLabel + 1;
  assertInteger('options.numClasses', numClasses, maxLabel + 1);
  const selectPlan = select !== undefined ? planSelection(select, bankLabels) : undefined;
  // With select, the search is planned for the widest candidate (and the query itself), the vote for the chosen k.
  const plan = planSearch(bankSize, m + (selectPlan?.rows.length ?? 0), selectPlan !== undefined ? { ...options, k: selectPlan.width } : options, KNN_DEFAULT.k);
  let temperature = options.temperature ?? KNN_DEFAULT.temperature;
  assertPositive('options.temperature', temperature);
  const chunkFor = (k: number) => options.queryChunkSize ?? Math.max(1, Math.min(256, Math.floor(VOTE_BUDGET / (k * numClasses))));
  assertPositiveInteger('options.queryChunkSize', chunkFor(plan.k));

  const width = Math.min(5, numClasses);
  const predictions = new Int32Array(m);
  const ranked = new Int32Array(m * width);
  const scores = new Float32Array(m * numClasses);
  const labelTensor = tf.tensor1d(bankLabels, 'int32');
  let search: NeighbourSearch | undefined;
  let selection: KnnSelection | undefined;
  let k = plan.k;
  try {
    search = openSearch(bank, plan);
    if (selectPlan !== undefined) {
      selection = chooseFromNeighbours(selectPlan, leaveOneOutNeighbours(search, bank, selectPlan.rows, plan.k, chunkFor(plan.k)), bankLabels, numClasses);
      k = selection.k;
      temperature = selection.temperature;
    }
    const queryChunk = chunkFor(k);
    for (let q0 = 0; q0 < m; q0 += queryChunk) {
      const qn = Math.min(queryChunk, m - q0);
      const votes = tf.tidy(() => {
        const found = (search as NeighbourSearch).find(l2Normalize(tf.slice(queries, [q0, 0], [qn, -1])), k);
        return vote(found.sims, found.indices, labelTensor, temperature, numClasses);
      });
      const voteValues = votes.dataSync() as Float32Array;
      votes.dispose();
      scores.set(voteValues, q0 * numClasses);
      const chunkRanking = rankScores(voteValues, numClasses, width);
      ranked.set(chunkRanking.classes, q0 * width);
      for (let i = 0; i < qn; i++) predictions[q0 + i] = chunkRanking.classes[i * width] as number;
    }
  } finally {
    search?.dispose();
    labelTensor.dispose();
  }
  return {
    predictions,
    ranking: { classes: ranked, width },
    scores,
    numClasses,
    k,
    temperature,
    ...(selection !== undefined ? { selection } : {}),
    index: plan.index,
    ...(plan.index === 'approximate' ? { hnsw: plan.hnsw } : {}),
  };
}

/** The `width` nearest bank rows of each of the bank's own `rows` (the row itself among them), best first. */
function leaveOneOutNeighbours(search: NeighbourSearch, bank: tf.Tensor2D, rows: Int32Array, width: number, chunk: number): { sims: Float32Array; indices: Int32Array } {
  const sims = new Float32Array(rows.length * width);
  const indices = new Int32Array(rows.length * width);
  for (let r0 = 0; r0 < rows.length; r0 += chunk) {
    const rn = Math.min(chunk, rows.length - r0);
    const found = tf.tidy(() => {
      const picked = tf.gather(bank, tf.tensor1d(rows.subarray(r0, r0 + rn), 'int32')) as tf.Tensor2D;
      const { sims: s, indices: i } = search.find(l2Normalize(picked), width);
      return [s, i] as const;
    });
    sims.set(found[0].dataSync() as Float32Array, r0 * width);
    indices.set(found[1].dataSync() as Int32Array, r0 * width);
    found[0].dispose();
    found[1].dispose();
  }
  return { sims, indices };
}

/** Top-1 (and top-5, when there are more than 5 classes) k-NN accuracy of `test` against the `train` bank. */
export function knnEvaluate(train: FeatureSet, test: FeatureSet, options: KnnOptions = {}): ProbeResult {
  const started = performance.now();
  assertFeatures('train', train?.features, train?.labels);
  assertFeatures('test', test?.features, test?.labels);
  const numClasses = options.numClasses ?? Math.max(train.numClasses, test.numClasses);
  const result = knnClassify(train.features, train.labels, test.features, { ...options, numClasses });
  const top1 = topKAccuracy(result.ranking, test.labels, 1);
  const top5 = numClasses > 5 ? topKAccuracy(result.ranking, test.labels, 5) : undefined;
  return {
    probe: 'knn',
    top1,
    ...(top5 !== undefined ? { top5 } : {}),
    numTrain: train.labels.length,
    numTest: test.labels.length,
    config: {
      k: result.k,
      ...(result.selection === undefined ? { kRequested: options.k ?? KNN_DEFAULT.k } : { selection: selectionJson(result.selection) }),
      temperature: result.temperature,
      numClasses,
      similarity: 'cosine',
      weighting: 'exp(sim / T)',
      featureDim: train.features.shape[1],
      index: result.index,
      ...(result.hnsw !== undefined ? { ...result.hnsw } : {}),
    },
    seconds: (performance.now() - started) / 1000,
  };
}

export interface KnnProbeOptions extends KnnOptions {
  /** Images per encoder call while extracting features. Default 256. */
  readonly batchSize?: number;
}

/**
 * Extracts frozen features of `train` (the bank) and `test` with `encoder`, then runs {@link knnEvaluate}.
 *
 * @example
 * ```ts
 * import { initBackend } from '@selfsup/tensors';
 * import { loadMnist } from '@selfsup/tensors/node';
 * import { knnProbe, rawPixelEncoder } from '@selfsup/eval';
 *
 * await initBackend();
 * const [train, test] = [loadMnist('train', { limit: 1000 }), loadMnist('test', { limit: 200 })];
 * const result = await knnProbe(rawPixelEncoder([28, 28, 1]), train, test, { k: 20 }); // any Encoder works here
 * console.log(result.top1, result.config); // about 0.85 for raw pixels on these 1 000 digits
 * ```
 */
export async function knnProbe(encoder: Encoder, train: ImageDataset, test: ImageDataset, options: KnnProbeOptions = {}): Promise<ProbeResult> {
  assertOptions('options', options);
  const started = performance.now();
  const { batchSize, ...knn } = options;
  // Before extracting anything: a missing usearch for index 'approximate' fails at once.
  if (knn.index !== undefined) assertOneOf('options.index', knn.index, INDEX_KINDS);
  await prepareKnnIndex(knn, train?.size ?? 0, test?.size ?? 0);
  const extract = batchSize !== undefined ? { batchSize } : {};
  const trainFeatures = await extractFeatures(encoder, train, extract);
  try {
    const testFeatures = await extractFeatures(encoder, test, extract);
    try {
      const result = knnEvaluate(trainFeatures, testFeatures, knn);
      return {
        ...result,
        config: { ...result.config, encoder: encoder.architecture, train: train.name, test: test.name },
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      testFeatures.features.dispose();
    }
  } finally {
    trainFeatures.features.dispose();
  }
}

export interface KnnRecallOptions {
  /** Neighbours compared. Default 200 (clamped to the bank size). */
  readonly k?: number;
  /** HNSW settings, as in {@link KnnOptions}. */
  readonly connectivity?: number;
  readonly expansionAdd?: number;
  readonly expansionSearch?: number;
  /** Bank rows per step of the exact search. Default 4096. */
  readonly bankChunkSize?: number;
  /** Queries per step. Default 256. */
  readonly queryChunkSize?: number;
}

export interface KnnRecall {
  /** recall@k: the mean over queries of the fraction of the exact k nearest bank rows the approximate search found. */
  readonly recall: number;
  /** The lowest recall of a single query. */
  readonly minRecall: number;
  readonly k: number;
  readonly numQueries: number;
  /** The HNSW settings searched with. */
  readonly hnsw: HnswSettings;
  /** Seconds of the exact search, of building the graph, and of searching it. */
  readonly exactSeconds: number;
  readonly buildSeconds: number;
  readonly searchSeconds: number;
}

/**
 * How much the approximate index of the k-NN probe (`index: 'approximate'`, same settings) misses: both searches run on
 * the same bank and queries, and recall@k is the mean fraction of each query's exact k nearest bank rows (cosine) that
 * the HNSW graph returned. Loads usearch (a missing package is an error naming `options.index`).
 */
export async function knnRecall(bank: tf.Tensor2D, queries: tf.Tensor2D, options: KnnRecallOptions = {}): Promise<KnnRecall> {
  if (typeof bank !== 'object' || bank === null || bank.rank !== 2) invalidArgument('bank', 'a [N, D] tensor', bank);
  if (bank.isDisposed) invalidArgument('bank', 'a live tensor', 'a disposed tensor');
  if (bank.shape[0] === 0) invalidArgument('bank', 'a non-empty tensor', bank);
  checkQueries(bank, queries);
  assertOptions('options', options);
  const bankSize = bank.shape[0];
  const m = queries.shape[0];
  const plan = planSearch(bankSize, m, { ...options, index: 'approximate' }, KNN_DEFAULT.k);
  const queryChunk = options.queryChunkSize ?? 256;
  assertPositiveInteger('options.queryChunkSize', queryChunk);
  await loadUsearch();
  const { k } = plan;
  let exactSeconds = 0;
  let searchSeconds = 0;
  let total = 0;
  let lowest = 1;
  // mark[row] = query number + 1 when row is among that query's exact neighbours: set membership without a Set.
  const mark = new Int32Array(bankSize);
  const opened = performance.now();
  const exact = exactSearch(bank, plan.bankChunk);
  exactSeconds += (performance.now() - opened) / 1000;
  try {
    const built = performance.now();
    const approximate = approximateSearch(bank, plan);
    const buildSeconds = (performance.now() - built) / 1000;
    for (let q0 = 0; q0 < m; q0 += queryChunk) {
      const qn = Math.min(queryChunk, m - q0);
      const q = tf.tidy(() => l2Normalize(tf.slice(queries, [q0, 0], [qn, -1])));
      try {
        let t = performance.now();
        const exactIndices = tf.tidy(() => exact.find(q, k).indices);
        const truth = exactIndices.dataSync() as Int32Array;
        exactIndices.dispose();
        exactSeconds += (performance.now() - t) / 1000;
        t = performance.now();
        const found = approximate.graph.search(q.dataSync() as Float32Array, qn, k);
        searchSeconds += (performance.now() - t) / 1000;
        for (let i = 0; i < qn; i++) {
          const stamp = q0 + i + 1;
          for (let j = 0; j < k; j++) mark[truth[i * k + j] as number] = stamp;
          let hits = 0;
          for (let j = 0; j < k; j++) {
            if (found.sims[i * k + j] !== Number.NEGATIVE_INFINITY && mark[found.indices[i * k + j] as number] === stamp) hits += 1;
          }
          total += hits / k;
          lowest = Math.min(lowest, hits / k);
        }
      } finally {
        q.dispose();
      }
    }
    return { recall: m === 0 ? 1 : total / m, minRecall: m === 0 ? 1 : lowest, k, numQueries: m, hnsw: plan.hnsw, exactSeconds, buildSeconds, searchSeconds };
  } finally {
    exact.dispose();
  }
}
