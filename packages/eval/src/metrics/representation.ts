import * as tf from '@tensorflow/tfjs-core';
import {
  type Encoder,
  type ImageDataset,
  type RepresentationMetrics,
  type Rng,
  assertInteger,
  assertOptions,
  assertPositiveInteger,
  assertRank,
  createRng,
} from '@selfsup/tensors';
import { assertDataset, assertEncoder, inputAdapter } from '../features.js';
import { alignment } from './alignment.js';
import { effectiveRank } from './effective-rank.js';
import { uniformity } from './uniformity.js';

export interface EmbeddingMetricsOptions {
  /** Second-view embeddings, row i a positive of row i of `features`: enables alignment. */
  readonly positives?: tf.Tensor2D;
  /** Rows used for uniformity (O(N^2) pairs), evenly spaced. Default 5000. */
  readonly maxPairsSamples?: number;
}

function evenlySpaced(z: tf.Tensor2D, max: number): tf.Tensor2D {
  const n = z.shape[0];
  if (n <= max) return tf.clone(z);
  const idx = Int32Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
  return tf.tidy(() => tf.gather(z, tf.tensor1d(idx, 'int32')) as tf.Tensor2D);
}

/** Uniformity and effective rank of an embedding, and alignment when positives are given. */
export function embeddingMetrics(features: tf.Tensor2D, options: EmbeddingMetricsOptions = {}): RepresentationMetrics {
  assertRank('features', features, 2);
  assertOptions('options', options);
  const maxSamples = options.maxPairsSamples ?? 5000;
  assertInteger('options.maxPairsSamples', maxSamples, 2);
  const sample = evenlySpaced(features, maxSamples);
  try {
    return {
      ...(options.positives !== undefined ? { alignment: alignment(features, options.positives) } : {}),
      ...(features.shape[0] >= 2 ? { uniformity: uniformity(sample) } : {}),
      effectiveRank: effectiveRank(features),
    };
  } finally {
    sample.dispose();
  }
}

/** Makes a random view of a batch of images (an augmentation pipeline from @selfsup/augment, or your own). */
export type ViewFunction = (images: tf.Tensor4D, rng: Rng) => tf.Tensor4D;

export interface RepresentationMetricsOptions {
  /** Draws positive views; without it, alignment is not reported. */
  readonly augment?: ViewFunction;
  /** Samples used, evenly spaced over the dataset. Default 2000. */
  readonly maxSamples?: number;
  readonly batchSize?: number;
  /** Seeds the views. Default 0. */
  readonly seed?: number;
}

/**
 * Representation metrics of a frozen encoder on a dataset: alignment of two augmented views of each image (Wang &
 * Isola 2020; needs `augment`), uniformity and effective rank of the embeddings of the unaugmented images.
 */
export async function representationMetrics(
  encoder: Encoder,
  dataset: ImageDataset,
  options: RepresentationMetricsOptions = {},
): Promise<RepresentationMetrics> {
  assertEncoder('encoder', encoder);
  assertDataset('dataset', dataset);
  assertOptions('options', options);
  const maxSamples = options.maxSamples ?? 2000;
  const batchSize = options.batchSize ?? 256;
  const seed = options.seed ?? 0;
  assertInteger('options.maxSamples', maxSamples, 2);
  assertPositiveInteger('options.batchSize', batchSize);
  assertInteger('options.seed', seed);
  const n = Math.min(maxSamples, dataset.size);
  if (n < 2) assertInteger('dataset.size', dataset.size, 2);
  const indices = Array.from({ length: n }, (_, i) => Math.floor((i * dataset.size) / n));
  const adapt = inputAdapter(encoder, dataset.imageShape, dataset.name);
  const rng = createRng(seed);
  const clean: tf.Tensor2D[] = [];
  const view1: tf.Tensor2D[] = [];
  const view2: tf.Tensor2D[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const batch = await dataset.getBatch(indices.slice(start, start + batchSize));
      try {
        clean.push(tf.tidy(() => encoder.apply(adapt(batch.images), { training: false })));
        if (options.augment !== undefined) {
          const augment = options.augment;
          view1.push(tf.tidy(() => encoder.apply(adapt(augment(batch.images, rng)), { training: false })));
          view2.push(tf.tidy(() => encoder.apply(adapt(augment(batch.images, rng)), { training: false })));
        }
      } finally {
        batch.images.dispose();
        batch.labels?.dispose();
      }
    }
    const z = tf.concat(clean) as tf.Tensor2D;
    try {
      const base = embeddingMetrics(z, { maxPairsSamples: n });
      if (options.augment === undefined) return base;
      const [a, b] = [tf.concat(view1) as tf.Tensor2D, tf.concat(view2) as tf.Tensor2D];
      try {
        return { alignment: alignment(a, b), ...base };
      } finally {
        tf.dispose([a, b]);
      }
    } finally {
      z.dispose();
    }
  } finally {
    tf.dispose([...clean, ...view1, ...view2]);
  }
}
