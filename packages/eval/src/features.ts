import * as tf from '@tensorflow/tfjs-core';
import {
  EMBEDDING_LAYER,
  type Encoder,
  type ImageDataset,
  SelfsupError,
  assertDataset,
  assertEncoder,
  assertOptions,
  assertPositiveInteger,
  invalidArgument,
  resolveLayers,
} from '@selfsup/tensors';
import { DEFAULT_LAYER_DIM, poolLayerFeatures } from './layer-features.js';

// The Encoder and ImageDataset checks are the contracts' own, from @selfsup/tensors; re-exported where this package
// always had them.
export { assertDataset, assertEncoder };

/** Embeddings of a labelled dataset: what probes train and test on. The caller owns (and disposes) `features`. */
export interface FeatureSet {
  /** [N, D] float32 embeddings, in dataset order (or in the order of `indices` when given). */
  readonly features: tf.Tensor2D;
  /** N class ids (int32). */
  readonly labels: Int32Array;
  /** Number of classes (from the dataset, else max label + 1). */
  readonly numClasses: number;
}

export interface ExtractFeaturesOptions {
  /** Images per encoder call. Default 256. */
  readonly batchSize?: number;
  /** Embed only these samples (in this order). Default: all of them. */
  readonly indices?: readonly number[];
  /** Called after each batch with the number of samples done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * The layer to read (one of the encoder's {@link Encoder.layers}, through `applyLayers`). Default `"embedding"`:
   * what `apply` returns. Feature maps are average-pooled to at most `layerDim` dimensions ({@link poolLayerFeatures}).
   */
  readonly layer?: string;
  /** Bound on the dimensions of a pooled feature map. Default {@link DEFAULT_LAYER_DIM} (9216). */
  readonly layerDim?: number;
}


/**
 * How a batch of images [N, H, W, C] is fed to `encoder`: as is when its input shape is [H, W, C] (with -1 as a
 * wildcard), flattened when it is [H*W*C] (vector encoders, the raw-pixel baseline). Anything else is an error now,
 * not a shape error deep inside the encoder.
 */
export function inputAdapter(encoder: Encoder, imageShape: readonly number[], datasetName = 'dataset'): (images: tf.Tensor4D) => tf.Tensor {
  assertEncoder('encoder', encoder);
  if (!Array.isArray(imageShape) || imageShape.length !== 3 || imageShape.some((d) => !Number.isInteger(d) || d < 1)) {
    invalidArgument('imageShape', 'an [H, W, C] array of positive sizes', imageShape);
  }
  if (typeof datasetName !== 'string') invalidArgument('datasetName', 'a string', datasetName);
  const want = encoder.inputShape;
  const flat = imageShape.reduce((a, b) => a * b, 1);
  if (want.length === 3 && want.every((d, i) => d === -1 || d === imageShape[i])) return (images) => images;
  if (want.length === 1 && (want[0] === -1 || want[0] === flat)) {
    return (images) => tf.reshape(images, [images.shape[0], flat]);
  }
  throw new SelfsupError(
    'INVALID_ARGUMENT',
    `encoder input shape [${want.join(', ')}] does not fit the images of ${datasetName} [${imageShape.join(', ')}]; ` +
      `expected [${imageShape.join(', ')}] (or -1 wildcards) or [${flat}]`,
    { argument: 'encoder', inputShape: [...want], imageShape: [...imageShape] },
  );
}

/**
 * Embeds a labelled dataset with a frozen encoder (`apply(x, { training: false })`: batch-norm running statistics,
 * no dropout), batch by batch. Features are gathered on the host and uploaded once, so device memory holds one
 * batch at a time besides the result. Leaks nothing: every batch and intermediate is disposed.
 */
export async function extractFeatures(encoder: Encoder, dataset: ImageDataset, options: ExtractFeaturesOptions = {}): Promise<FeatureSet> {
  assertEncoder('encoder', encoder);
  assertDataset('dataset', dataset);
  assertOptions('options', options);
  const batchSize = options.batchSize ?? 256;
  assertPositiveInteger('options.batchSize', batchSize);
  const indices = options.indices ?? Array.from({ length: dataset.size }, (_, i) => i);
  if (!Array.isArray(indices)) invalidArgument('options.indices', 'an array of sample indices', indices);
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= dataset.size) invalidArgument('options.indices[i]', `an integer in [0, ${dataset.size - 1}]`, i);
  }
  if (indices.length === 0) invalidArgument('dataset', 'a non-empty dataset', `${dataset.name} with 0 samples`);
  const layer = options.layer ?? EMBEDDING_LAYER;
  if (layer === 'all') invalidArgument('options.layer', 'one layer name (evaluate each layer of encoder.layers in turn)', layer);
  resolveLayers('options.layer', encoder, layer);
  const layerDim = options.layerDim ?? DEFAULT_LAYER_DIM;
  assertPositiveInteger('options.layerDim', layerDim);
  const applyLayers = encoder.applyLayers?.bind(encoder);
  const embed = (x: tf.Tensor): tf.Tensor2D => {
    if (layer === EMBEDDING_LAYER || applyLayers === undefined) return encoder.apply(x, { training: false });
    const taps = applyLayers(x, [layer], { training: false });
    const out = taps[layer];
    if (out === undefined) invalidArgument('encoder', `an encoder whose applyLayers returns the layer "${layer}"`, Object.keys(taps));
    return poolLayerFeatures(out, layerDim);
  };
  const adapt = inputAdapter(encoder, dataset.imageShape, dataset.name);
  const n = indices.length;
  // Embeddings have outputDim dimensions; a layer's pooled size is known after the first batch.
  let dim = layer === EMBEDDING_LAYER ? encoder.outputDim : -1;
  let values = new Float32Array(dim > 0 ? n * dim : 0);
  const labels = new Int32Array(n);
  for (let start = 0; start < n; start += batchSize) {
    const chunk = indices.slice(start, start + batchSize);
    const batch = await dataset.getBatch(chunk);
    let embedded: tf.Tensor2D | undefined;
    try {
      if (batch.labels === undefined) {
        invalidArgument('dataset', 'a labelled dataset (probes need class ids)', `${dataset.name} without labels`);
      }
      embedded = tf.tidy(() => embed(adapt(batch.images)));
      if (dim < 0 && embedded.rank === 2) {
        dim = embedded.shape[1];
        values = new Float32Array(n * dim);
      }
      if (embedded.rank !== 2 || embedded.shape[0] !== chunk.length || embedded.shape[1] !== dim) {
        const what = layer === EMBEDDING_LAYER ? 'encoder.apply must return' : `layer ${layer} must give`;
        throw new SelfsupError(
          'INVALID_ARGUMENT',
          `${what} [${chunk.length}, ${dim}] (batch, ${layer === EMBEDDING_LAYER ? 'outputDim' : 'features'}); got [${embedded.shape.join(', ')}]`,
          { argument: 'encoder' },
        );
      }
      values.set(await embedded.data(), start * dim);
      labels.set(await batch.labels.data(), start);
    } finally {
      embedded?.dispose();
      batch.images.dispose();
      batch.labels?.dispose();
    }
    options.onProgress?.(Math.min(n, start + batchSize), n);
  }
  for (let j = 0; j < values.length; j++) {
    if (!Number.isFinite(values[j] as number)) {
      const i = Math.floor(j / dim);
      throw new SelfsupError('BAD_DATA', `encoder produced a non-finite feature for sample ${indices[i]} of ${dataset.name}`, { sample: indices[i] });
    }
  }
  let maxLabel = -1;
  for (const l of labels) {
    if (l < 0) throw new SelfsupError('BAD_DATA', `${dataset.name} has a negative class id ${l}`, {});
    if (l > maxLabel) maxLabel = l;
  }
  const numClasses = dataset.numClasses ?? maxLabel + 1;
  if (maxLabel >= numClasses) {
    throw new SelfsupError('BAD_DATA', `${dataset.name} has class id ${maxLabel} but numClasses ${numClasses}`, {});
  }
  return { features: tf.tensor2d(values, [n, dim]), labels, numClasses };
}

/** Checks a FeatureSet-like pair: [N, D] features and N labels. */
export function assertFeatures(name: string, features: unknown, labels: unknown): asserts features is tf.Tensor2D {
  const f = features as tf.Tensor | null;
  if (typeof f !== 'object' || f === null || !Array.isArray(f.shape) || f.rank !== 2) {
    invalidArgument(`${name}.features`, 'a [N, D] tensor', features);
  }
  if (f.isDisposed) invalidArgument(`${name}.features`, 'a live tensor', 'a disposed tensor');
  if (!(labels instanceof Int32Array)) invalidArgument(`${name}.labels`, 'an Int32Array of class ids', labels);
  if (labels.length !== f.shape[0]) invalidArgument(`${name}.labels`, `${f.shape[0]} labels (one per feature row)`, `${labels.length} labels`);
}
