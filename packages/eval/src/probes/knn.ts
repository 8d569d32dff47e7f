import * as tf from '@tensorflow/tfjs-core';
import {
  type Encoder,
  type ImageDataset,
  type ProbeResult,
  assertInteger,
  assertOptions,
  assertPositive,
  assertPositiveInteger,
  invalidArgument,
  l2Normalize,
} from '@selfsup/tensors';
import { type FeatureSet, assertFeatures, extractFeatures } from '../features.js';
import { type ClassRanking, rankScores, topKAccuracy } from './top-k.js';

export interface KnnOptions {
  /** Neighbours that vote. Default 200; clamped to the bank size. */
  readonly k?: number;
  /** Temperature T of the vote weights exp(sim / T). Default 0.1. */
  readonly temperature?: number;
  /** Number of classes. Default: max label + 1. */
  readonly numClasses?: number;
  /** Queries per chunk. Default: as many as keep the [queries, k, classes] vote tensor under 8M values, at most 256. */
  readonly queryChunkSize?: number;
  /** Bank rows compared per step. Default 4096. */
  readonly bankChunkSize?: number;
}

/** The settings of the weighted k-NN monitor used by MoCo's CIFAR demo and SimSiam (k = 200, T = 0.1). */
export const KNN_DEFAULT = Object.freeze({ k: 200, temperature: 0.1 });
/** InstDisc's weighted k-NN with solo-learn's (and DINO's) settings (k = 20, T = 0.07). */
export const KNN_INSTDISC = Object.freeze({ k: 20, temperature: 0.07 });

export interface KnnPredictions {
  /** Predicted class of each query (argmax of the weighted votes; ties to the lower class id). */
  readonly predictions: Int32Array;
  /** The best min(5, C) classes of each query, best first. */
  readonly ranking: ClassRanking;
  /** Vote sums [N, C], row-major. Each row is scaled by exp(-max sim / T) (for range; rankings are unchanged). */
  readonly scores: Float32Array;
  readonly numClasses: number;
  /** Neighbours used (k clamped to the bank size). */
  readonly k: number;
}

const VOTE_BUDGET = 8_000_000;

/**
 * Weighted k-NN classification (Wu et al. 2018): cosine similarity of each query to a feature bank, the k most similar
 * bank rows vote for their class with weight exp(sim / T), the class with the largest sum wins. Memory-bounded:
 * queries and bank are processed in chunks, keeping a running top-k per query, so only the normalised bank (one
 * copy), one [queries, bankChunk] similarity block and one vote block live at a time.
 */
export function knnClassify(bank: tf.Tensor2D, bankLabels: Int32Array, queries: tf.Tensor2D, options: KnnOptions = {}): KnnPredictions {
  assertFeatures('bank', bank, bankLabels);
  if (typeof queries !== 'object' || queries === null || queries.rank !== 2) invalidArgument('queries', 'a [M, D] tensor', queries);
  if (queries.isDisposed) invalidArgument('queries', 'a live tensor', 'a disposed tensor');
  if (queries.shape[1] !== bank.shape[1]) invalidArgument('queries', `a [M, ${bank.shape[1]}] tensor (same D as bank)`, queries);
  assertOptions('options', options);
  const [bankSize] = bank.shape;
  if (bankSize === 0) invalidArgument('bank', 'a non-empty tensor', bank);
  const kRequested = options.k ?? KNN_DEFAULT.k;
  assertPositiveInteger('options.k', kRequested);
  const temperature = options.temperature ?? KNN_DEFAULT.temperature;
  assertPositive('options.temperature', temperature);
  let maxLabel = 0;
  for (const l of bankLabels) {
    if (l < 0) invalidArgument('bankLabels', 'non-negative class ids', l);
    if (l > maxLabel) maxLabel = l;
  }
  const numClasses = options.numClasses ?? maxLabel + 1;
  assertInteger('options.numClasses', numClasses, maxLabel + 1);
  const k = Math.min(kRequested, bankSize);
  const bankChunk = options.bankChunkSize ?? 4096;
  assertPositiveInteger('options.bankChunkSize', bankChunk);
  const queryChunk = options.queryChunkSize ?? Math.max(1, Math.min(256, Math.floor(VOTE_BUDGET / (k * numClasses))));
  assertPositiveInteger('options.queryChunkSize', queryChunk);

  const m = queries.shape[0];
  const width = Math.min(5, numClasses);
  const predictions = new Int32Array(m);
  const ranked = new Int32Array(m * width);
  const scores = new Float32Array(m * numClasses);
  // The normalised bank, transposed to [D, chunk] blocks once: wasm's matMul is several times faster on a plain
  // [M, D] x [D, N] product than with transposeB, and the blocks are reused by every query chunk.
  const bankBlocks: { start: number; block: tf.Tensor2D }[] = [];
  for (let b0 = 0; b0 < bankSize; b0 += bankChunk) {
    const bn = Math.min(bankChunk, bankSize - b0);
    bankBlocks.push({ start: b0, block: tf.tidy(() => tf.transpose(l2Normalize(tf.slice(bank, [b0, 0], [bn, -1]))) as tf.Tensor2D) });
  }
  const labelTensor = tf.tensor1d(bankLabels, 'int32');
  try {
    for (let q0 = 0; q0 < m; q0 += queryChunk) {
      const qn = Math.min(queryChunk, m - q0);
      const votes = tf.tidy(() => {
        const q = l2Normalize(tf.slice(queries, [q0, 0], [qn, -1]));
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
        const sims = bestSims as tf.Tensor2D;
        const neighbourLabels = tf.gather(labelTensor, bestIdx as tf.Tensor2D);
        // exp((sim - max) / T): the same argmax as exp(sim / T) without overflow for small T.
        const weights = tf.exp(tf.div(tf.sub(sims, tf.max(sims, 1, true)), temperature));
        const oneHot = tf.oneHot(neighbourLabels, numClasses);
        return tf.sum(tf.mul(oneHot, tf.expandDims(weights, 2)), 1) as tf.Tensor2D;
      });
      const voteValues = votes.dataSync() as Float32Array;
      votes.dispose();
      scores.set(voteValues, q0 * numClasses);
      const chunkRanking = rankScores(voteValues, numClasses, width);
      ranked.set(chunkRanking.classes, q0 * width);
      for (let i = 0; i < qn; i++) predictions[q0 + i] = chunkRanking.classes[i * width] as number;
    }
  } finally {
    for (const { block } of bankBlocks) block.dispose();
    labelTensor.dispose();
  }
  return { predictions, ranking: { classes: ranked, width }, scores, numClasses, k };
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
      kRequested: options.k ?? KNN_DEFAULT.k,
      temperature: options.temperature ?? KNN_DEFAULT.temperature,
      numClasses,
      similarity: 'cosine',
      weighting: 'exp(sim / T)',
      featureDim: train.features.shape[1],
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
