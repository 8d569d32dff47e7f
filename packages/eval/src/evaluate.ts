import {
  EMBEDDING_LAYER,
  type Encoder,
  type ImageDataset,
  type JsonObject,
  type ProbeResult,
  type RepresentationMetrics,
  assertOptions,
  invalidArgument,
} from '@selfsup/tensors';
import { type FeatureSet, assertFeatures, extractFeatures } from './features.js';
import { embeddingMetrics } from './metrics/representation.js';
import { type KnnOptions, knnEvaluate, prepareKnnIndex } from './probes/knn.js';
import { type LinearSweepOptions, linearEvaluate } from './probes/linear-probe.js';

export type ProbeName = 'knn' | 'linear';

/** Options of {@link probeFeatures}: the probing part of {@link EvaluateOptions}. */
export interface ProbeFeaturesOptions {
  /** Probes to run. Default ['knn', 'linear']. */
  readonly probes?: readonly ProbeName[];
  readonly knn?: KnnOptions;
  readonly linear?: LinearSweepOptions;
  /** Uniformity and effective rank of the test features. Default true. */
  readonly metrics?: boolean;
  /** Added to each result's `config` (e.g. `{ encoder, layer, train, test }`). */
  readonly labels?: JsonObject;
  /** Called as features are extracted and probes finish (progress display). */
  readonly onProgress?: (event: EvaluateProgress) => void;
}

export interface EvaluateOptions extends Omit<ProbeFeaturesOptions, 'labels'> {
  /** Images per encoder call. Default 256. */
  readonly batchSize?: number;
  /** Keep the test features (for a picture); the caller then disposes `testFeatures.features`. Default false. */
  readonly keepTestFeatures?: boolean;
  /**
   * The layer the probes read: one of the encoder's `layers` (feature maps average-pooled to at most `layerDim`
   * dimensions, see `poolLayerFeatures`). Default `"embedding"`. To probe every layer, call once per name of
   * `encoderLayers(encoder)`.
   */
  readonly layer?: string;
  /** Bound on a pooled feature map's dimensions. Default `DEFAULT_LAYER_DIM` (9216). */
  readonly layerDim?: number;
}

export type EvaluateProgress =
  | { readonly stage: 'extract'; readonly split: 'train' | 'test'; readonly done: number; readonly total: number }
  | { readonly stage: 'probe'; readonly probe: ProbeName; readonly result: ProbeResult };

export interface EvaluationReport {
  readonly encoder: { readonly architecture: string; readonly outputDim: number; readonly config: JsonObject };
  readonly train: { readonly name: string; readonly size: number };
  readonly test: { readonly name: string; readonly size: number };
  /** The layer probed (`"embedding"`: the encoder's output) and its feature size after pooling. */
  readonly layer: string;
  readonly featureDim: number;
  readonly results: readonly ProbeResult[];
  readonly metrics?: RepresentationMetrics;
  /** Seconds spent embedding both splits (once, shared by every probe). */
  readonly extractSeconds: number;
  readonly testFeatures?: FeatureSet;
}

/**
 * The probes of {@link evaluateEncoder} on features computed elsewhere (another framework's embeddings, a cache): k-NN
 * and the linear probe (whose sweep sees only the training features), and the representation metrics of the test
 * features. `evaluateEncoder` extracts features and calls this, so both give the same numbers for the same features.
 * The caller keeps ownership of the feature tensors.
 */
export function probeFeatures(train: FeatureSet, test: FeatureSet, options: ProbeFeaturesOptions = {}): { results: ProbeResult[]; metrics?: RepresentationMetrics } {
  for (const [name, set] of [['train', train], ['test', test]] as const) {
    if (typeof set !== 'object' || set === null) invalidArgument(name, 'a feature set { features, labels, numClasses }', set);
    assertFeatures(name, set.features, set.labels);
  }
  if (train.features.shape[1] !== test.features.shape[1]) {
    invalidArgument('test.features', `[N, ${train.features.shape[1]}] features (the training features' dimension)`, test.features);
  }
  assertOptions('options', options);
  const probes = options.probes ?? ['knn', 'linear'];
  if (!Array.isArray(probes)) invalidArgument('options.probes', 'an array of "knn" / "linear"', probes);
  for (const p of probes) if (p !== 'knn' && p !== 'linear') invalidArgument('options.probes[i]', '"knn" or "linear"', p);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') invalidArgument('options.onProgress', 'a function', options.onProgress);
  if (options.labels !== undefined && (typeof options.labels !== 'object' || options.labels === null || Array.isArray(options.labels))) {
    invalidArgument('options.labels', 'an object (added to each result\'s config)', options.labels);
  }
  const results: ProbeResult[] = [];
  for (const probe of [...new Set(probes)]) {
    const result = probe === 'knn' ? knnEvaluate(train, test, options.knn ?? {}) : linearEvaluate(train, test, options.linear ?? {});
    const named = { ...result, config: { ...result.config, ...(options.labels ?? {}) } };
    results.push(named);
    options.onProgress?.({ stage: 'probe', probe, result: named });
  }
  const metrics = options.metrics === false ? undefined : embeddingMetrics(test.features);
  return { results, ...(metrics !== undefined ? { metrics } : {}) };
}

/**
 * Every probe on one encoder, with features extracted once and shared: k-NN and the linear probe (whose sweep sees
 * only training features) and the representation metrics of the test embedding.
 */
export async function evaluateEncoder(encoder: Encoder, train: ImageDataset, test: ImageDataset, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  assertOptions('options', options);
  const probes = options.probes ?? ['knn', 'linear'];
  if (!Array.isArray(probes)) invalidArgument('options.probes', 'an array of "knn" / "linear"', probes);
  for (const p of probes) if (p !== 'knn' && p !== 'linear') invalidArgument('options.probes[i]', '"knn" or "linear"', p);
  // An approximate k-NN index needs usearch loaded before the (synchronous) probes run.
  if (probes.includes('knn')) await prepareKnnIndex(options.knn, train?.size ?? 0, test?.size ?? 0);
  const batchSize = options.batchSize ?? 256;
  const layer = options.layer ?? EMBEDDING_LAYER;
  const layerOptions = { layer, ...(options.layerDim !== undefined ? { layerDim: options.layerDim } : {}) };
  const started = performance.now();
  const trainFeatures = await extractFeatures(encoder, train, {
    batchSize,
    ...layerOptions,
    onProgress: (done, total) => options.onProgress?.({ stage: 'extract', split: 'train', done, total }),
  });
  let testFeatures: FeatureSet | undefined;
  let kept = false;
  try {
    testFeatures = await extractFeatures(encoder, test, {
      batchSize,
      ...layerOptions,
      onProgress: (done, total) => options.onProgress?.({ stage: 'extract', split: 'test', done, total }),
    });
    const extractSeconds = (performance.now() - started) / 1000;
    const { results, metrics } = probeFeatures(trainFeatures, testFeatures, {
      probes,
      ...(options.knn !== undefined ? { knn: options.knn } : {}),
      ...(options.linear !== undefined ? { linear: options.linear } : {}),
      ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
      labels: { encoder: encoder.architecture, layer, train: train.name, test: test.name },
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    });
    kept = options.keepTestFeatures === true;
    return {
      encoder: { architecture: encoder.architecture, outputDim: encoder.outputDim, config: encoder.config },
      train: { name: train.name, size: train.size },
      test: { name: test.name, size: test.size },
      layer,
      featureDim: trainFeatures.features.shape[1],
      results,
      ...(metrics !== undefined ? { metrics } : {}),
      extractSeconds,
      ...(kept ? { testFeatures } : {}),
    };
  } finally {
    trainFeatures.features.dispose();
    if (!kept) testFeatures?.features.dispose();
  }
}
