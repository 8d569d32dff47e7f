import {
  type Encoder,
  type ImageDataset,
  assertDataset,
  assertEncoder,
  assertInteger,
  assertOptions,
  createRng,
  invalidArgument,
  subsetDataset,
} from '@selfsup/tensors';
import { extractFeatures } from '../features.js';
import { effectiveRank } from '../metrics/effective-rank.js';
import { embeddingStd, embeddingStdReference } from '../metrics/embedding-std.js';
import { KNN_INSTDISC, type KnnOptions, knnEvaluate, prepareKnnIndex } from '../probes/knn.js';

export interface MonitorSubsetsOptions {
  /** Images in the k-NN bank. Default 1000 (fewer when the dataset is smaller: see {@link monitorSubsets}). */
  readonly bankSize?: number;
  /** Held-out images classified against the bank. Default 500. */
  readonly heldOutSize?: number;
  /** Seeds the draw. Default 0. */
  readonly seed?: number;
}

/** The two labelled subsets an online monitor reads: the k-NN bank and the held-out queries (disjoint). */
export interface MonitorSubsets {
  readonly bank: ImageDataset;
  readonly heldOut: ImageDataset;
}

/**
 * Draws a monitor's bank and held-out set from one labelled dataset, at random with a seeded generator, without
 * overlap (each set sorted by index, so streaming datasets read forward). Draw them from the training split: the
 * test split stays unseen until the final evaluation. When the dataset has fewer than bankSize + heldOutSize images,
 * both shrink in proportion (at least one image each), so the dataset needs at least 2.
 */
export function monitorSubsets(dataset: ImageDataset, options: MonitorSubsetsOptions = {}): MonitorSubsets {
  assertDataset('dataset', dataset);
  assertOptions('options', options);
  const bankSize = options.bankSize ?? 1000;
  const heldOutSize = options.heldOutSize ?? 500;
  const seed = options.seed ?? 0;
  assertInteger('options.bankSize', bankSize, 1);
  assertInteger('options.heldOutSize', heldOutSize, 1);
  assertInteger('options.seed', seed);
  if (dataset.size < 2) invalidArgument('dataset', 'a dataset of at least 2 images (one for the bank, one held out)', `${dataset.name} with ${dataset.size}`);
  let bank = bankSize;
  let heldOut = heldOutSize;
  if (bank + heldOut > dataset.size) {
    bank = Math.min(dataset.size - 1, Math.max(1, Math.round((dataset.size * bankSize) / (bankSize + heldOutSize))));
    heldOut = dataset.size - bank;
  }
  const order = createRng(seed).permutation(dataset.size);
  const bankIndices = order.slice(0, bank).sort((a, b) => a - b);
  const heldOutIndices = order.slice(bank, bank + heldOut).sort((a, b) => a - b);
  return {
    bank: subsetDataset(dataset, bankIndices, `${dataset.name}[monitor bank ${bank}]`),
    heldOut: subsetDataset(dataset, heldOutIndices, `${dataset.name}[monitor held-out ${heldOut}]`),
  };
}

export interface OnlineMonitorOptions extends KnnOptions {
  /**
   * Neighbours that vote. Default 20 with temperature 0.07 ({@link KNN_INSTDISC}, solo-learn's online k-NN): a
   * monitor's bank is small.
   */
  readonly k?: number;
  /** Images per encoder call. Default 256. */
  readonly batchSize?: number;
}

/** One reading of {@link monitorEncoder}. */
export interface MonitorReading {
  /** Weighted k-NN top-1 accuracy of the held-out set against the bank, in [0, 1] (the same code as `knnProbe`). */
  readonly knnTop1: number;
  /** {@link embeddingStd} of the bank's embedding: near 0 when it collapses. */
  readonly embeddingStd: number;
  /** 1/sqrt(D), what `embeddingStd` is for an embedding spread evenly over the sphere. */
  readonly embeddingStdReference: number;
  /** {@link effectiveRank} of the bank's embedding (uncentred): near 1 when it collapses to one direction. */
  readonly effectiveRank: number;
  /** Embedding dimension D. */
  readonly dim: number;
  readonly bankSize: number;
  readonly heldOutSize: number;
  /** The k-NN settings used (k clamped to the bank size). */
  readonly k: number;
  readonly temperature: number;
  /** Time this reading took. */
  readonly seconds: number;
}

/**
 * An online monitor of representation quality, for use during pretraining (as solo-learn's and lightly's online
 * k-NN): embeds `bank` and `heldOut` with the frozen encoder (inference mode: `apply(x, { training: false })`),
 * classifies the held-out images with the weighted k-NN of {@link knnProbe} (the same `knnEvaluate`, so the accuracy
 * equals `knnProbe(encoder, bank, heldOut, options)`), and measures collapse on the bank's embedding: the per-dimension
 * std of the l2-normalised embedding ({@link embeddingStd}, compare with 1/sqrt(D)) and the effective rank. It
 * changes nothing (no variable, no random state), leaves no tensor behind, and gives the same numbers for the same
 * weights.
 *
 * @example
 * ```ts
 * import { initBackend } from '@selfsup/tensors';
 * import { loadMnist } from '@selfsup/tensors/node';
 * import { monitorEncoder, monitorSubsets, rawPixelEncoder } from '@selfsup/eval';
 *
 * await initBackend();
 * const { bank, heldOut } = monitorSubsets(loadMnist('train', { limit: 600 }), { bankSize: 400, heldOutSize: 200, seed: 0 });
 * const reading = await monitorEncoder(rawPixelEncoder([28, 28, 1]), bank, heldOut);
 * console.log(reading.knnTop1, reading.embeddingStd, reading.embeddingStdReference, reading.effectiveRank);
 * ```
 */
export async function monitorEncoder(encoder: Encoder, bank: ImageDataset, heldOut: ImageDataset, options: OnlineMonitorOptions = {}): Promise<MonitorReading> {
  assertEncoder('encoder', encoder);
  assertDataset('bank', bank);
  assertDataset('heldOut', heldOut);
  assertOptions('options', options);
  const started = performance.now();
  const { batchSize, ...rest } = options;
  // InstDisc's k and T unless the caller chooses them (or has them chosen by `select`).
  const knn: KnnOptions = rest.select ? rest : { k: KNN_INSTDISC.k, temperature: KNN_INSTDISC.temperature, ...rest };
  const extract = batchSize !== undefined ? { batchSize } : {};
  await prepareKnnIndex(knn, bank.size, heldOut.size);
  const bankFeatures = await extractFeatures(encoder, bank, extract);
  try {
    const heldOutFeatures = await extractFeatures(encoder, heldOut, extract);
    try {
      const probe = knnEvaluate(bankFeatures, heldOutFeatures, knn);
      const dim = bankFeatures.features.shape[1];
      return {
        knnTop1: probe.top1,
        embeddingStd: embeddingStd(bankFeatures.features),
        embeddingStdReference: embeddingStdReference(dim),
        effectiveRank: effectiveRank(bankFeatures.features),
        dim,
        bankSize: bank.size,
        heldOutSize: heldOut.size,
        k: probe.config['k'] as number,
        temperature: probe.config['temperature'] as number,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      heldOutFeatures.features.dispose();
    }
  } finally {
    bankFeatures.features.dispose();
  }
}
