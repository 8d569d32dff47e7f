import type * as tf from '@tensorflow/tfjs-core';
import { assertInRange, assertInteger, assertOptions, assertRank, createRng, invalidArgument } from '@selfsup/tensors';
import type { Projection } from './pca.js';

export interface UmapOptions {
  /** Seeds UMAP's random choices (umap-js draws from the function we pass it). Default 0. */
  readonly seed?: number;
  /** Default 15. */
  readonly nNeighbors?: number;
  /** Default 0.1. */
  readonly minDist?: number;
  /** Optimisation epochs. Default: umap-js's choice (200 for large, 500 for small data). */
  readonly nEpochs?: number;
}

/**
 * UMAP (McInnes et al. 2018) to 2-D through the `umap-js` package (PAIR, pure JavaScript), seeded so the same seed
 * gives the same picture. O(N log N)-ish but in plain JS: subsample beyond a few thousand points.
 */
export async function umap2d(features: tf.Tensor2D, options: UmapOptions = {}): Promise<Projection> {
  assertRank('features', features, 2);
  assertOptions('options', options);
  const [n, d] = features.shape;
  const nNeighbors = options.nNeighbors ?? 15;
  const minDist = options.minDist ?? 0.1;
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  assertInteger('options.nNeighbors', nNeighbors, 2);
  assertInRange('options.minDist', minDist, 0, 1);
  if (options.nEpochs !== undefined) assertInteger('options.nEpochs', options.nEpochs, 1);
  if (n <= nNeighbors) invalidArgument('features', `more rows than options.nNeighbors (${nNeighbors})`, features);
  const flat = (await features.data()) as Float32Array;
  const rows = Array.from({ length: n }, (_, i) => Array.from(flat.subarray(i * d, (i + 1) * d)));
  const rng = createRng(seed);
  const { UMAP } = await import('umap-js');
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist,
    random: () => rng.float(),
    ...(options.nEpochs !== undefined ? { nEpochs: options.nEpochs } : {}),
  });
  const embedding = umap.fit(rows);
  const points = new Float32Array(n * 2);
  embedding.forEach((p, i) => {
    points[2 * i] = p[0] ?? 0;
    points[2 * i + 1] = p[1] ?? 0;
  });
  return { points, components: 2, explainedVarianceRatio: [] };
}
